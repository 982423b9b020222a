//! Women's homes (妇女之家): one per village, with the standardisation checklist.

use jinguo_domain::access::Permission;
use jinguo_domain::org::{HomeCheckItem, validate_name};
use jinguo_domain::{Level, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::org::federations as feds;
use jinguo_store::org::homes::{self as store, Filter, Home, HomeItem, NewHome};
use jinguo_store::register::Register;
use jinguo_store::{Page, Work};
use serde::Deserialize;
use serde_json::json;

use super::{Checks, optional_text, parse_day, parse_region};
use crate::{Actor, App, AppError, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HomeInput {
    pub region: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub keeper: Option<String>,
    #[serde(default)]
    pub established_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CheckInput {
    pub item: String,
    /// `true`/`false`, or a form's `yes`/`no`.
    pub holds: String,
    #[serde(default)]
    pub checked_on: Option<String>,
    #[serde(default)]
    pub checked_by: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct HomeDetail {
    pub home: Home,
    /// Every checklist item, with its last check when there was one.
    pub items: Vec<(HomeCheckItem, Option<HomeItem>)>,
}

impl App {
    pub async fn list_homes(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: &Filter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Home>> {
        let scope = self.list_scope(actor, region, "women_home.list").await?;
        Ok(store::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?)
    }

    pub async fn home(&self, actor: &Actor, id: i64) -> Result<HomeDetail> {
        self.require(actor, Permission::ReadRegisters, "women_home.read").await?;
        let home = store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        let checked = store::items(self.db.reader(), id).await?;
        let items = HomeCheckItem::ALL.into_iter().map(|i| (i, checked.iter().find(|c| c.item == i).cloned())).collect();
        Ok(HomeDetail { home, items })
    }

    async fn home_for_write(&self, actor: &Actor, id: i64, action: &str) -> Result<Home> {
        self.require(actor, Permission::WriteOrg, action).await?;
        let found = store::get(self.db.reader(), &actor.scope, id).await?;
        self.writable(actor, found, Register::WomenHomes, id, action).await
    }

    /// Registers the women's home of a village (one per village).
    pub async fn create_home(&self, actor: &Actor, input: &HomeInput) -> Result<Home> {
        const ACTION: &str = "women_home.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region));
        let address = checks.take(optional_text("address", "地址", input.address.as_deref(), 100));
        let keeper = checks.take(optional_text("keeper", "负责人", input.keeper.as_deref(), 30));
        let established_on = checks.take(parse_day("established_on", "建立日期", input.established_on.as_deref(), today, today));
        checks.finish()?;
        let (Some(region), Some(address), Some(keeper), Some(established_on)) = (region, address, keeper, established_on) else {
            return Err(AppError::Internal("validation".into()));
        };
        if region.level() != Level::Village {
            return Err(AppError::invalid("region", "妇女之家建在村(社区)，请填写 12 位村(社区)区划代码"));
        }
        self.require_in_scope(actor, &region, ACTION, "women_home", "").await?;
        let r = jinguo_store::org::regions::get(self.db.reader(), &region)
            .await?
            .ok_or_else(|| AppError::invalid("region", format!("区划代码 {region} 不存在")))?;
        let federation =
            feds::of_region(self.db.reader(), &region).await?.ok_or_else(|| AppError::invalid("region", "该村(社区)尚未建立妇联组织"))?;
        let default_name = format!("{}妇女之家", r.name.trim_end_matches("居民委员会").trim_end_matches("村民委员会"));
        let name = if input.name.trim().is_empty() { default_name } else { validate_name("name", "名称", &input.name, 60)? };
        let new = NewHome { region: region.clone(), federation: federation.id, name, address, keeper, established_on };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "women_home",
            id,
            &region.padded(),
            json!({"after": {"name": new.name, "keeper": new.keeper, "established_on": established_on}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn update_home(&self, actor: &Actor, id: i64, name: &str, address: &str, keeper: &str) -> Result<Home> {
        const ACTION: &str = "women_home.update";
        let before = self.home_for_write(actor, id, ACTION).await?;
        let mut checks = Checks::new();
        let name = checks.take(validate_name("name", "名称", name, 60));
        let address = checks.take(optional_text("address", "地址", Some(address), 100));
        let keeper = checks.take(optional_text("keeper", "负责人", Some(keeper), 30));
        checks.finish()?;
        let (Some(name), Some(address), Some(keeper)) = (name, address, keeper) else {
            return Err(AppError::Internal("validation".into()));
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        store::update_details(&mut w, &before, &name, &address, &keeper, now).await?;
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "women_home", id, &before.region.padded(), json!({"before": {"name": before.name, "address": before.address, "keeper": before.keeper}, "after": {"name": name, "address": address, "keeper": keeper}})));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    /// Records a check of one checklist item: whether it holds, on which day, by whom.
    pub async fn check_home_item(&self, actor: &Actor, id: i64, input: &CheckInput) -> Result<Home> {
        const ACTION: &str = "women_home.check";
        let home = self.home_for_write(actor, id, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let item =
            checks.take(HomeCheckItem::parse(input.item.trim()).ok_or_else(|| jinguo_domain::Invalid::field("item", "未知的检查项目")));
        let holds = checks.take(match input.holds.trim() {
            "true" | "yes" | "1" | "on" => Ok(true),
            "false" | "no" | "0" | "off" => Ok(false),
            _ => Err(jinguo_domain::Invalid::field("holds", "请选择是否达标")),
        });
        let day = checks.take(parse_day("checked_on", "检查日期", input.checked_on.as_deref(), today, today));
        let by = input.checked_by.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or(&actor.display_name).to_owned();
        let by = checks.take(validate_name("checked_by", "检查人", &by, 30));
        let note = checks.take(optional_text("note", "备注", input.note.as_deref(), 200));
        checks.finish()?;
        let (Some(item), Some(holds), Some(day), Some(by), Some(note)) = (item, holds, day, by, note) else {
            return Err(AppError::Internal("validation".into()));
        };
        if day < home.established_on {
            return Err(AppError::invalid("checked_on", "检查日期不能早于妇女之家的建立日期"));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let standardised = store::record_check(&mut w, &home, item, holds, day, &by, &note, now).await?;
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "women_home", id, &home.region.padded(), json!({"after": {"item": item.code(), "holds": holds, "checked_on": day, "checked_by": by, "standardised": standardised}, "before": {"standardised": home.standardised}})));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }
}
