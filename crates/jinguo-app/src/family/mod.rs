//! Family programmes, part B (issue 4): families (households of the register), the family
//! points ledger (家风积分制), the goods store (积分超市) and family mottos (家风家训). Each use
//! case checks permission and scope, validates with Chinese messages (nothing is written when a
//! field is wrong or a balance or stock does not cover a request), and writes the records,
//! their roll-ups and the audit entry in one transaction.

mod demo;
pub mod families;
pub mod mottos;
pub mod points;
pub mod store;

use jinguo_domain::Invalid;
use jinguo_store::family::{self as fam, Table};

use crate::{Actor, App, AppError, Result};

/// The setting that turns family rankings on (off unless set to `on`).
pub const RANKINGS_SETTING: &str = "family.rankings";
/// The setting with the months after which earned points expire (no expiry unless set).
pub const EXPIRY_SETTING: &str = "family.points.expiry_months";

pub(crate) fn id_of(field: &str, value: &str, message: &str) -> Result<i64, Invalid> {
    value.trim().parse::<i64>().map_err(|_| Invalid::field(field, message))
}

impl App {
    /// A record of this module the scoped read did not find: Forbidden (audited) when it exists
    /// outside scope, NotFound otherwise.
    pub(crate) async fn family_writable<T>(&self, actor: &Actor, found: Option<T>, table: Table, id: i64, action: &str) -> Result<T> {
        match found {
            Some(t) => Ok(t),
            None => {
                let region = fam::region_of(self.db.reader(), table, id).await?;
                Err(match region {
                    Some(r) => {
                        self.deny(actor, action, table.kind(), &id.to_string(), &r.padded(), "该记录不在您的管辖范围内，无权操作").await
                    }
                    None => AppError::NotFound,
                })
            }
        }
    }

    /// Whether the city has turned family rankings on.
    pub async fn family_rankings_on(&self) -> Result<bool> {
        Ok(jinguo_store::settings::get(self.db.reader(), RANKINGS_SETTING).await?.as_deref() == Some("on"))
    }
}

impl App {
    /// Turns family rankings on or off (the city's decision; off by default). Operator or city
    /// officers only.
    pub async fn set_family_rankings(&self, actor: &Actor, on: bool) -> Result<()> {
        const ACTION: &str = "family.rankings";
        self.require(actor, jinguo_domain::access::Permission::WriteOrg, ACTION).await?;
        if let (Some(r), Some(city)) = (&actor.region, &self.config.city)
            && !r.contains(city)
        {
            return Err(self.deny(actor, ACTION, "setting", RANKINGS_SETTING, &r.padded(), "家庭积分排行由市妇联决定是否开启").await);
        }
        let now = self.now_ms();
        let mut w = jinguo_store::Work::begin(&self.db).await?;
        jinguo_store::settings::set(&w.tx, RANKINGS_SETTING, if on { "on" } else { "off" }).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            jinguo_store::audit::Outcome::Ok,
            "setting",
            RANKINGS_SETTING,
            "",
            serde_json::json!({"after": {"on": on}}),
        ));
        w.commit().await?;
        Ok(())
    }
}
