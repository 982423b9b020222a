//! Activities: any organised event (思想引领, 文化, 家庭教育, 培训, 巡讲, 志愿服务 …).

use jinguo_domain::RegionCode;
use jinguo_domain::access::Permission;
use jinguo_domain::org::{ActivityCategory, validate_name};
use jinguo_store::audit::Outcome;
use jinguo_store::org::activities::{self as store, Activity, Filter, NewActivity};
use jinguo_store::org::federations as feds;
use jinguo_store::register::Register;
use jinguo_store::{Page, Work};
use serde::Deserialize;
use serde_json::json;

use super::federations::number_or_text;
use super::{Checks, optional_text, parse_count, parse_day, parse_region};
use crate::{Actor, App, AppError, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivityInput {
    /// The organising federation; default the actor's own.
    #[serde(default, deserialize_with = "number_or_text")]
    pub federation: Option<String>,
    /// Where it was held; default the federation's region.
    #[serde(default)]
    pub region: Option<String>,
    pub held_on: String,
    pub category: String,
    pub title: String,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default, deserialize_with = "number_or_text")]
    pub participants: Option<String>,
}

impl App {
    pub async fn list_activities(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: &Filter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Activity>> {
        let scope = self.list_scope(actor, region, "activity.list").await?;
        Ok(store::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?)
    }

    pub async fn activity(&self, actor: &Actor, id: i64) -> Result<Activity> {
        self.require(actor, Permission::ReadRegisters, "activity.read").await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn create_activity(&self, actor: &Actor, input: &ActivityInput) -> Result<Activity> {
        const ACTION: &str = "activity.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let federation_id = match input.federation.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => checks.take(s.parse::<i64>().map_err(|_| jinguo_domain::Invalid::field("federation", "组织编号应为数字"))),
            None => {
                actor.federation.or_else(|| checks.take::<i64>(Err(jinguo_domain::Invalid::field("federation", "请选择主办的妇联组织"))))
            }
        };
        let region = match input.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(r) => checks.take(parse_region("region", r)).map(Some),
            None => Some(None),
        };
        let held_on = checks.take(parse_day(
            "held_on",
            "活动日期",
            Some(input.held_on.as_str()).filter(|s| !s.trim().is_empty()).or(Some("x")),
            today,
            today,
        ));
        let category = checks
            .take(ActivityCategory::parse(&input.category).ok_or_else(|| jinguo_domain::Invalid::field("category", "请选择活动类别")));
        let title = checks.take(validate_name("title", "活动名称", &input.title, 80));
        let place = checks.take(optional_text("place", "活动地点", input.place.as_deref(), 100));
        let participants = checks.take(parse_count("participants", "参与人次", input.participants.as_deref(), -1, 100_000));
        if participants == Some(-1) {
            checks.take::<()>(Err(jinguo_domain::Invalid::field("participants", "请填写参与人次")));
        }
        checks.finish()?;
        let (Some(federation_id), Some(region), Some(held_on), Some(category), Some(title), Some(place), Some(participants)) =
            (federation_id, region, held_on, category, title, place, participants)
        else {
            return Err(AppError::Internal("validation".into()));
        };
        let federation = match feds::get(self.db.reader(), &actor.scope, federation_id).await? {
            Some(f) => f,
            None => {
                let r = jinguo_store::register::region_of(self.db.reader(), Register::Federations, federation_id).await?;
                return Err(match r {
                    Some(_) => self.missing_or_forbidden(actor, r, ACTION, "federation", federation_id).await,
                    None => AppError::invalid("federation", "主办的妇联组织不存在"),
                });
            }
        };
        let region = region.unwrap_or_else(|| federation.region.clone());
        if !federation.region.contains(&region) {
            return Err(AppError::invalid("region", "活动地点应在主办组织的区划范围内"));
        }
        self.require_in_scope(actor, &region, ACTION, "activity", "").await?;
        if jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", format!("区划代码 {region} 不存在")));
        }
        let new = NewActivity {
            federation: federation.id,
            region: region.clone(),
            held_on,
            category,
            title,
            place,
            participants,
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "activity",
            id,
            &region.padded(),
            json!({"after": {"title": new.title, "category": category.code(), "held_on": held_on, "participants": participants}}),
        ));
        w.commit().await?;
        store::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }
}

/// A confirmed attendee as callers see her: the name masked (张*).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AttendeeView {
    pub person: i64,
    pub name: String,
    pub region: RegionCode,
}

impl App {
    /// Confirms that registered people attended an activity (the organiser's confirmation).
    /// Every person must be in the caller's scope; the named attendees cannot outnumber the
    /// activity's participants.
    pub async fn confirm_attendance(&self, actor: &Actor, activity: i64, people: &[String]) -> Result<Vec<AttendeeView>> {
        const ACTION: &str = "activity.attendance";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let found = store::get(self.db.reader(), &actor.scope, activity).await?;
        let a = self.writable(actor, found, Register::Activities, activity, ACTION).await?;
        if people.is_empty() {
            return Err(AppError::invalid("people", "请选择出席的人员"));
        }
        let mut ids = Vec::with_capacity(people.len());
        let mut bad = Vec::new();
        for p in people {
            match p.trim().parse::<i64>() {
                Ok(id) if jinguo_store::people::get(&self.db, &actor.scope, id).await?.is_some() => ids.push(id),
                _ => bad.push(p.trim().to_owned()),
            }
        }
        if !bad.is_empty() {
            return Err(AppError::invalid("people", format!("以下人员不存在或不在您的管辖范围内：{}", bad.join("、"))));
        }
        ids.sort_unstable();
        ids.dedup();
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let added = store::confirm_attendance(&mut w, &a, &ids, actor.account, now).await?;
        let confirmed = store::attendance_count(&w.tx, activity).await?;
        if confirmed > a.participants {
            w.rollback().await?;
            return Err(AppError::invalid("people", format!("确认出席的人数（{confirmed}）不能超过活动参与人次（{}）", a.participants)));
        }
        // Family points (issue 4): each family of a confirmed person earns the activity's points once.
        let credited =
            jinguo_store::family::points::earn_for_attendance(&mut w, a.id, &a.title, a.held_on, &ids, actor.account, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "activity",
            activity,
            &a.region.padded(),
            json!({"after": {"confirmed": added, "people": ids.len(), "families_credited": credited.len()}}),
        ));
        w.commit().await?;
        self.attendees(actor, activity).await
    }

    /// The people confirmed for an activity in scope, names masked.
    pub async fn attendees(&self, actor: &Actor, activity: i64) -> Result<Vec<AttendeeView>> {
        self.require(actor, Permission::ReadRegisters, "activity.read").await?;
        store::get(self.db.reader(), &actor.scope, activity).await?.ok_or(AppError::NotFound)?;
        Ok(store::attendees(self.db.reader(), activity)
            .await?
            .into_iter()
            .map(|x| AttendeeView { person: x.person, name: actor.list_name(&x.name), region: x.region })
            .collect())
    }
}
