//! Honours recorded by hand (province and national ones, or city ones from before the platform)
//! and roadshows (巡讲).

use jinguo_domain::access::Permission;
use jinguo_domain::awards::{AwardKind, HonourLevel};
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::awards::honours::{self, Honour, NewHonour};
use jinguo_store::awards::roadshows::{self, NewRoadshow, Roadshow};
use jinguo_store::awards::{self as store, FamilyRef};
use jinguo_store::{Page, StoreError, Work};
use serde::Deserialize;
use serde_json::json;

use crate::org::{Checks, optional_text, parse_count, parse_day, parse_region};
use crate::{Actor, App, AppError, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HonourInput {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default)]
    pub kind: String,
    /// city | province | national
    #[serde(default)]
    pub level: String,
    /// The honour as conferred, e.g. 2025年度湖北省最美家庭.
    #[serde(default)]
    pub title: String,
    /// Default: today.
    #[serde(default)]
    pub awarded_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RoadshowInput {
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub held_on: Option<String>,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Ids of the families whose stories were told.
    #[serde(default)]
    pub families: Vec<String>,
}

impl App {
    /// A family for a write: in scope, else Forbidden (audited) if it exists, a field error if not.
    async fn honour_family_for_write(&self, actor: &Actor, field: &str, id: &str, action: &str) -> Result<FamilyRef> {
        let fid: i64 = id.trim().parse().map_err(|_| AppError::invalid(field, "请选择家庭"))?;
        match store::family(self.db.reader(), fid).await? {
            Some(f) if actor.scope.contains(&f.region) => Ok(f),
            Some(f) => {
                Err(self.deny(actor, action, "family", &fid.to_string(), &f.region.padded(), "该家庭不在您的管辖范围内，无权操作").await)
            }
            None => Err(AppError::invalid(field, "家庭档案中没有该家庭")),
        }
    }

    /// Records an honour by hand (province or national, or a city one from before).
    pub async fn record_honour(&self, actor: &Actor, input: &HonourInput) -> Result<Honour> {
        const ACTION: &str = "honour.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let kind = checks.take(AwardKind::parse(&input.kind));
        let level = checks.take(HonourLevel::parse(&input.level));
        let title = checks.take(validate_name("title", "荣誉名称", &input.title, 60));
        let day = checks.take(parse_day("awarded_on", "获评日期", input.awarded_on.as_deref(), today, today));
        checks.finish()?;
        let (Some(kind), Some(level), Some(title), Some(day)) = (kind, level, title, day) else {
            return Err(AppError::Internal("validation".into()));
        };
        let f = self.honour_family_for_write(actor, "family", &input.family, ACTION).await?;
        let person = match input.person.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(p) => {
                let pid: i64 = p.parse().map_err(|_| AppError::invalid("person", "家庭成员编号应为数字"))?;
                if store::member_name(self.db.reader(), f.id, pid).await?.is_none() {
                    return Err(AppError::invalid("person", format!("该人员不是{}的成员", f.name)));
                }
                Some(pid)
            }
        };
        let new = NewHonour {
            family: f.id,
            person,
            campaign: None,
            kind,
            level,
            year: super::year_of(day),
            title,
            region: f.region.clone(),
            awarded_on: day,
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = honours::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "honour",
            id,
            &f.region.padded(),
            json!({"after": {"family": f.id.to_string(), "kind": kind.code(), "level": level.code(), "title": new.title, "awarded_on": day}}),
        ));
        w.commit().await?;
        let all = honours::of_family(self.db.reader(), f.id).await?;
        all.into_iter().find(|h| h.id == id).ok_or(AppError::NotFound)
    }

    /// A family's honours, for the family's page (the family must be in scope).
    pub async fn honours_of_family(&self, actor: &Actor, family: i64) -> Result<Vec<Honour>> {
        self.require(actor, Permission::ReadRegisters, "family.read").await?;
        match store::family(self.db.reader(), family).await? {
            Some(f) if actor.scope.contains(&f.region) => Ok(honours::of_family(self.db.reader(), family).await?),
            _ => Err(AppError::NotFound),
        }
    }

    pub async fn list_honours(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: honours::Filter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Honour>> {
        let scope = self.list_scope(actor, region, "honour.list").await?;
        Ok(honours::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?)
    }

    /// Records a roadshow with the families whose stories were told.
    pub async fn record_roadshow(&self, actor: &Actor, input: &RoadshowInput) -> Result<Roadshow> {
        const ACTION: &str = "roadshow.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region));
        let day = checks.take(parse_day("held_on", "巡讲日期", input.held_on.as_deref(), today, today));
        let place = checks.take(validate_name("place", "巡讲地点", &input.place, 100));
        let title = checks.take(validate_name("title", "巡讲主题", &input.title, 100));
        let audience = match input.audience.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => checks.take(Err(Invalid::field("audience", "请填写受众人数"))),
            Some(a) => checks.take(parse_count("audience", "受众人数", Some(a), 0, 1_000_000)),
        };
        let note = checks.take(optional_text("note", "备注", input.note.as_deref(), 500));
        let ids: Vec<&str> = input.families.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
        if ids.is_empty() {
            checks.take::<()>(Err(Invalid::field("families", "请选择巡讲中讲述的家庭")));
        }
        checks.finish()?;
        let (Some(region), Some(day), Some(place), Some(title), Some(audience), Some(note)) = (region, day, place, title, audience, note)
        else {
            return Err(AppError::Internal("validation".into()));
        };
        self.require_in_scope(actor, &region, ACTION, "roadshow", "").await?;
        if jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", "该区划不存在"));
        }
        let mut families = Vec::new();
        for id in ids {
            let f = self.honour_family_for_write(actor, "families", id, ACTION).await?;
            if !families.contains(&f.id) {
                families.push(f.id);
            }
        }
        let new = NewRoadshow { region: region.clone(), held_on: day, place, title, audience, note, families, created_by: actor.account };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = match roadshows::insert(&mut w, &new, now).await {
            Ok(id) => id,
            Err(StoreError::Conflict(m)) => {
                w.rollback().await?;
                return Err(AppError::invalid("families", m));
            }
            Err(e) => return Err(e.into()),
        };
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "roadshow",
            id,
            &region.padded(),
            json!({"after": {"title": new.title, "held_on": day, "audience": audience, "families": new.families.iter().map(|f| f.to_string()).collect::<Vec<_>>()}}),
        ));
        w.commit().await?;
        self.roadshow(actor, id).await
    }

    pub async fn roadshow(&self, actor: &Actor, id: i64) -> Result<Roadshow> {
        self.require(actor, Permission::ReadRegisters, "roadshow.read").await?;
        roadshows::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn list_roadshows(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Roadshow>> {
        let scope = self.list_scope(actor, region, "roadshow.list").await?;
        Ok(roadshows::list(self.db.reader(), &scope, after, limit.clamp(1, 500)).await?)
    }
}

impl App {
    /// Families in the caller's scope to choose from (a nominee, a roadshow's families).
    pub async fn award_families(&self, actor: &Actor, q: Option<&str>) -> Result<Vec<FamilyRef>> {
        self.require(actor, Permission::ReadRegisters, "family.list").await?;
        Ok(store::families_in_scope(self.db.reader(), &actor.scope, q, 500).await?)
    }
}
