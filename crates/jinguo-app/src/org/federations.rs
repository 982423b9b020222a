//! Federations: new-domain federations created by officers, region federations created with
//! the regions; terms (换届) and executive members (执委).

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::access::Permission;
use jinguo_domain::org::{FederationKind, region_federation_name, validate_name, validate_term};
use jinguo_store::audit::Outcome;
use jinguo_store::org::federations::{self as store, ExecutiveMember, Federation, Filter, NewFederation, Term};
use jinguo_store::org::regions;
use jinguo_store::register::Register;
use jinguo_store::{Page, Work};
use serde::Deserialize;
use serde_json::json;

use super::{Checks, optional_text, parse_count, parse_day, parse_region};
use crate::{Actor, App, AppError, Result};

/// A new-domain federation as a form or the API gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FederationInput {
    pub region: String,
    pub name: String,
    pub kind: String,
    #[serde(default, deserialize_with = "crate::org::federations::number_or_text")]
    pub members: Option<String>,
    #[serde(default)]
    pub established_on: Option<String>,
}

/// Accepts a JSON number or a string for a count field.
pub fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FederationDetail {
    pub federation: Federation,
    pub terms: Vec<Term>,
    pub executive_members: Vec<ExecutiveMember>,
    pub term_status: jinguo_domain::org::TermStatus,
}

impl App {
    pub async fn list_federations(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: &Filter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Federation>> {
        let scope = self.list_scope(actor, region, "federation.list").await?;
        Ok(store::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?)
    }

    pub async fn federation(&self, actor: &Actor, id: i64) -> Result<FederationDetail> {
        self.require(actor, Permission::ReadRegisters, "federation.read").await?;
        let c = self.db.reader();
        let federation = store::get(c, &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        let term_status = jinguo_domain::org::TermStatus::on(self.today(), federation.term_end);
        Ok(FederationDetail {
            terms: store::terms(c, id).await?,
            executive_members: store::executive_members(c, id).await?,
            federation,
            term_status,
        })
    }

    /// A federation in scope for writing: NotFound, or Forbidden when it lies outside scope.
    async fn federation_for_write(&self, actor: &Actor, id: i64, action: &str) -> Result<Federation> {
        self.require(actor, Permission::WriteOrg, action).await?;
        let found = store::get(self.db.reader(), &actor.scope, id).await?;
        self.writable(actor, found, Register::Federations, id, action).await
    }

    /// Creates a new-domain federation (industry, area, park, enterprise, social organisation,
    /// gig platform) under a region in the actor's scope.
    pub async fn create_federation(&self, actor: &Actor, input: &FederationInput) -> Result<Federation> {
        const ACTION: &str = "federation.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region));
        let kind = checks.take(FederationKind::parse_new_domain(&input.kind));
        let name = checks.take(validate_name("name", "组织名称", &input.name, 60));
        let members = checks.take(parse_count("members", "会员人数", input.members.as_deref(), 0, 1_000_000));
        let established_on = checks.take(parse_day("established_on", "成立日期", input.established_on.as_deref(), today, today));
        checks.finish()?;
        let (Some(region), Some(kind), Some(name), Some(members), Some(established_on)) = (region, kind, name, members, established_on)
        else {
            return Err(AppError::Internal("validation passed without values".into()));
        };
        self.require_in_scope(actor, &region, ACTION, "federation", "").await?;
        if regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", format!("区划代码 {region} 不存在")));
        }
        let new = NewFederation { region: region.clone(), kind, name, members, established_on };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "federation",
            id,
            &region.padded(),
            json!({"after": {"name": new.name, "kind": kind.code(), "members": members, "established_on": established_on}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    /// Renames a federation or changes its member count (counted on `day`, default today).
    pub async fn update_federation(&self, actor: &Actor, id: i64, name: &str, members: Option<&str>) -> Result<Federation> {
        const ACTION: &str = "federation.update";
        let before = self.federation_for_write(actor, id, ACTION).await?;
        let mut checks = Checks::new();
        let name = checks.take(validate_name("name", "组织名称", name, 60));
        let members = checks.take(parse_count("members", "会员人数", members, before.members, 1_000_000));
        checks.finish()?;
        let (Some(name), Some(members)) = (name, members) else { return Err(AppError::Internal("validation".into())) };
        if before.kind == FederationKind::Region && name != before.name && name.is_empty() {
            return Err(AppError::invalid("name", "请填写组织名称"));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        store::update(&mut w, &before, &name, members, self.today(), now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "federation",
            id,
            &before.region.padded(),
            json!({"before": {"name": before.name, "members": before.members}, "after": {"name": name, "members": members}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    /// Records a term renewal (换届): start, end and the chair elected.
    pub async fn add_term(&self, actor: &Actor, federation: i64, start_on: &str, end_on: &str, chair: &str) -> Result<Term> {
        const ACTION: &str = "term.create";
        let f = self.federation_for_write(actor, federation, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let start = checks.take(parse_day("start_on", "届期开始日期", Some(start_on), today, today));
        let end = jinguo_domain::insight::parse_date(end_on);
        if end.is_none() {
            checks.take::<()>(Err(jinguo_domain::Invalid::field("end_on", "届期结束日期格式应为 YYYY-MM-DD")));
        }
        let chair = checks.take(validate_name("chair", "当选主席姓名", chair, 30));
        checks.finish()?;
        let (Some(start), Some(end), Some(chair)) = (start, end, chair) else { return Err(AppError::Internal("validation".into())) };
        validate_term(start, end).map_err(|mut e| {
            for err in &mut e.errors {
                err.field = "end_on".into();
            }
            AppError::Invalid(e)
        })?;
        if let Some(latest) = store::latest_term_start(self.db.reader(), federation).await?
            && start <= latest
        {
            return Err(AppError::invalid("start_on", format!("新一届的开始日期应晚于上一届的开始日期（{latest}）")));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let term = store::add_term(&mut w, &f, start, end, &chair, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "federation",
            federation,
            &f.region.padded(),
            json!({"after": {"number": term.number, "start_on": start, "end_on": end, "chair": chair}}),
        ));
        w.commit().await?;
        Ok(term)
    }

    pub async fn add_executive_member(
        &self,
        actor: &Actor,
        federation: i64,
        name: &str,
        position: &str,
        workplace: &str,
        joined_on: Option<&str>,
    ) -> Result<i64> {
        const ACTION: &str = "executive_member.create";
        let f = self.federation_for_write(actor, federation, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let name = checks.take(validate_name("name", "姓名", name, 30));
        let position = checks.take(validate_name("position", "职务", position, 20));
        let workplace = checks.take(optional_text("workplace", "工作单位", Some(workplace), 60));
        let joined = checks.take(parse_day("joined_on", "任职日期", joined_on, today, today));
        checks.finish()?;
        let (Some(name), Some(position), Some(workplace), Some(joined)) = (name, position, workplace, joined) else {
            return Err(AppError::Internal("validation".into()));
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::add_executive_member(&mut w, &f, &name, &position, &workplace, joined, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "executive_member",
            id,
            &f.region.padded(),
            json!({"after": {"federation": federation, "name": name, "position": position, "joined_on": joined}}),
        ));
        w.commit().await?;
        Ok(id)
    }

    pub async fn end_executive_member(&self, actor: &Actor, federation: i64, member: i64, left_on: Option<&str>) -> Result<()> {
        const ACTION: &str = "executive_member.end";
        let f = self.federation_for_write(actor, federation, ACTION).await?;
        let today = self.today();
        let left = parse_day("left_on", "离任日期", left_on, today, today)?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !store::end_executive_member(&mut w, &f, member, left).await? {
            w.rollback().await?;
            return Err(AppError::invalid("left_on", "该执委已离任，或离任日期早于任职日期"));
        }
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "executive_member", member, &f.region.padded(), json!({"after": {"left_on": left}})));
        w.commit().await?;
        Ok(())
    }

    /// Creates the region federation (市/县/镇/村妇联) of every region in `root`'s subtree that
    /// has none yet, established on `established_on`. Returns how many were created.
    pub async fn ensure_region_federations(&self, actor: &Actor, root: &RegionCode, established_on: NaiveDate) -> Result<u64> {
        self.require(actor, Permission::ManageRegions, "federation.create_region").await?;
        self.require_in_scope(actor, root, "federation.create_region", "region", root.short()).await?;
        let missing = regions_without_federation(self, root).await?;
        if missing.is_empty() {
            return Ok(0);
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        for (code, name) in &missing {
            let new = NewFederation {
                region: code.clone(),
                kind: FederationKind::Region,
                name: region_federation_name(name, code.level()),
                members: 0,
                established_on,
            };
            store::insert(&mut w, &new, now).await?;
        }
        w.audit(actor.entry(
            now,
            "federation.create_region",
            Outcome::Ok,
            "region",
            root.short(),
            &root.padded(),
            json!({"created": missing.len()}),
        ));
        w.commit().await?;
        Ok(missing.len() as u64)
    }
}

async fn regions_without_federation(app: &App, root: &RegionCode) -> Result<Vec<(RegionCode, String)>> {
    let (low, high) = root.subtree_range();
    let rows = jinguo_store::org::regions::without_region_federation(app.db.reader(), &low, &high).await?;
    Ok(rows)
}
