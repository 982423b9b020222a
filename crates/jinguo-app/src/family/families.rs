//! Families: create one in a village from people of the register, add and remove members (a
//! person is in one family at a time), list them, and the family's page.

use jinguo_domain::access::Permission;
use jinguo_domain::family::Relation;
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, Level, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::family::families::{self as store, Family, Honour, Member, NewFamily};
use jinguo_store::family::mottos::Motto;
use jinguo_store::family::points::Entry;
use jinguo_store::family::store::Redemption;
use jinguo_store::family::{Table, mottos, points, store as goods};
use jinguo_store::{Page, StoreError, Work};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::id_of;
use crate::org::{Checks, parse_region};
use crate::{Actor, App, AppError, Result};

/// A member as a form or the API gives her: her record's id and her relation to the head.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberInput {
    #[serde(default)]
    pub person: String,
    /// head | spouse | child | parent | parent_in_law | grandchild | sibling | other (or the label)
    #[serde(default)]
    pub relation: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FamilyInput {
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub members: Vec<MemberInput>,
}

/// A family's page: the family, its members (masked as lists mask them), the ledger, the
/// redemptions, the mottos and the honours.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyDetail {
    pub family: Family,
    pub members: Vec<Member>,
    pub entries: Vec<Entry>,
    pub redemptions: Vec<Redemption>,
    pub mottos: Vec<Motto>,
    pub honours: Vec<Honour>,
}

impl App {
    fn mask_family(actor: &Actor, mut f: Family) -> Family {
        f.head_name = actor.list_name(&f.head_name);
        f
    }

    /// The people of a form, each in scope and in no family; a clear message names one who is.
    async fn check_members(&self, actor: &Actor, members: &[MemberInput], action: &str) -> Result<Vec<(i64, Relation)>> {
        let mut checks = Checks::new();
        let mut out: Vec<(i64, Relation)> = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let pid = checks.take(id_of("members", &m.person, "家庭成员应为人员编号"));
            let rel = checks.take(Relation::parse(&m.relation));
            if let (Some(pid), Some(rel)) = (pid, rel) {
                let rel = if m.relation.trim().is_empty() && i == 0 { Relation::Head } else { rel };
                if out.iter().any(|(p, _)| *p == pid) {
                    checks.take::<()>(Err(Invalid::field("members", "同一个人不能重复加入家庭")));
                } else {
                    out.push((pid, rel));
                }
            }
        }
        if out.iter().filter(|(_, r)| *r == Relation::Head).count() > 1 {
            checks.take::<()>(Err(Invalid::field("members", "一个家庭只能有一位户主")));
        }
        checks.finish()?;
        for (pid, _) in &out {
            let p = self.person_in_scope(actor, *pid, action).await?;
            if let Some((_, name)) = store::open_family_of(self.db.reader(), *pid).await? {
                return Err(AppError::Conflict(format!(
                    "{}已是“{name}”的成员，一个人同时只能属于一个家庭，请先将她移出原家庭",
                    actor.list_name(&p.name)
                )));
            }
        }
        Ok(out)
    }

    async fn person_in_scope(&self, actor: &Actor, pid: i64, action: &str) -> Result<jinguo_store::people::PersonRow> {
        match jinguo_store::people::get(&self.db, &actor.scope, pid).await? {
            Some(p) => Ok(p),
            None => {
                let region = jinguo_store::register::region_of(self.db.reader(), jinguo_store::register::Register::People, pid).await?;
                Err(match region {
                    Some(_) => self.missing_or_forbidden(actor, region, action, "person", pid).await,
                    None => AppError::invalid("members", format!("人员 {pid} 不存在")),
                })
            }
        }
    }

    /// Registers a family in a village of the caller's scope, with its members (may be none).
    pub async fn create_family(&self, actor: &Actor, input: &FamilyInput) -> Result<Family> {
        const ACTION: &str = "family.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region));
        let name = checks.take(validate_name("name", "家庭名称", &input.name, 40));
        if let Some(r) = &region
            && r.level() != Level::Village
        {
            checks.take::<()>(Err(Invalid::field("region", "家庭应登记在村(社区)，请选择村(社区)一级的区划")));
        }
        checks.finish()?;
        let (Some(region), Some(name)) = (region, name) else { return Err(AppError::Internal("validation".into())) };
        self.require_in_scope(actor, &region, ACTION, "family", "").await?;
        if jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", "该区划不存在"));
        }
        let members = self.check_members(actor, &input.members, ACTION).await?;
        let new = NewFamily { region: region.clone(), name, members, day: self.today(), created_by: actor.account };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = match store::insert(&mut w, &new, now).await {
            Ok(id) => id,
            Err(StoreError::Conflict(m)) => {
                w.rollback().await?;
                return Err(AppError::Conflict(m));
            }
            Err(e) => return Err(e.into()),
        };
        let ids: Vec<String> = new.members.iter().map(|(p, _)| p.to_string()).collect();
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "family",
            id,
            &region.padded(),
            json!({"after": {"name": new.name, "members": ids}}),
        ));
        w.commit().await?;
        self.family(actor, id).await
    }

    pub async fn family(&self, actor: &Actor, id: i64) -> Result<Family> {
        self.require(actor, Permission::ReadRegisters, "family.read").await?;
        let f = store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        Ok(Self::mask_family(actor, f))
    }

    /// Everything the family's page shows.
    pub async fn family_detail(&self, actor: &Actor, id: i64) -> Result<FamilyDetail> {
        let family = self.family(actor, id).await?;
        let r = self.db.reader();
        let members = store::members(r, id)
            .await?
            .into_iter()
            .map(|mut m| {
                m.person_name = actor.list_name(&m.person_name);
                m
            })
            .collect();
        Ok(FamilyDetail {
            family,
            members,
            entries: points::entries(r, id, 100).await?,
            redemptions: goods::of_family(r, id, 50).await?,
            mottos: mottos::of_family(r, id).await?,
            honours: store::family_honours(r, id).await?,
        })
    }

    pub async fn list_families(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        q: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Family>> {
        let scope = self.list_scope(actor, region, "family.list").await?;
        let page = store::list(self.db.reader(), &scope, q, after, limit.clamp(1, 500)).await?;
        Ok(page.map(|f| Self::mask_family(actor, f)))
    }

    /// The families of a village by balance, when the city has turned rankings on (else empty).
    pub async fn family_ranking(&self, actor: &Actor, village: &RegionCode) -> Result<Vec<Family>> {
        if village.level() != Level::Village || !self.family_rankings_on().await? {
            return Ok(Vec::new());
        }
        self.read_scope(actor, village, "family.ranking").await?;
        Ok(store::ranking(self.db.reader(), village, 20).await?.into_iter().map(|f| Self::mask_family(actor, f)).collect())
    }

    pub(crate) async fn family_for_write(&self, actor: &Actor, id: i64, action: &str) -> Result<Family> {
        self.require(actor, Permission::WritePeople, action).await?;
        let found = store::get(self.db.reader(), &actor.scope, id).await?;
        self.family_writable(actor, found, Table::Families, id, action).await
    }

    /// A person joins a family (she must be in no family now).
    pub async fn add_family_member(&self, actor: &Actor, family: i64, input: &MemberInput) -> Result<Family> {
        const ACTION: &str = "family.member_add";
        let f = self.family_for_write(actor, family, ACTION).await?;
        let mut m = input.clone();
        if m.relation.trim().is_empty() {
            m.relation = "other".into();
        }
        let members = self.check_members(actor, std::slice::from_ref(&m), ACTION).await?;
        let Some(&(pid, rel)) = members.first() else { return Err(AppError::invalid("person", "请选择加入家庭的人员")) };
        if rel == Relation::Head && f.head.is_some() {
            return Err(AppError::invalid("relation", "该家庭已有户主"));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = match store::add_member(&mut w, &f, pid, rel, self.today(), now).await {
            Ok(id) => id,
            Err(StoreError::Conflict(m)) => {
                w.rollback().await?;
                return Err(AppError::Conflict(m));
            }
            Err(e) => return Err(e.into()),
        };
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "family",
            family,
            &f.region.padded(),
            json!({"after": {"member": id.to_string(), "person": pid.to_string(), "relation": rel.code()}}),
        ));
        w.commit().await?;
        self.family(actor, family).await
    }

    /// A member leaves the family today.
    pub async fn remove_family_member(&self, actor: &Actor, family: i64, member: i64) -> Result<Family> {
        const ACTION: &str = "family.member_remove";
        let f = self.family_for_write(actor, family, ACTION).await?;
        let m = store::member(self.db.reader(), family, member).await?.ok_or(AppError::NotFound)?;
        if m.left_on.is_some() {
            return Err(AppError::Conflict("她已移出该家庭".into()));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        store::remove_member(&mut w, &f, &m, self.today(), now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "family",
            family,
            &f.region.padded(),
            json!({"after": {"member": member.to_string()}}),
        ));
        w.commit().await?;
        self.family(actor, family).await
    }
}
