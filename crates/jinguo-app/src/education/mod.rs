//! Family education (四级家庭教育指导服务体系): guidance centres (one per region, the level
//! following the region), lecturer teams and lecturers, and service activities with the
//! households they served. Each use case checks permission and scope, validates with Chinese
//! messages (nothing is written when a field is wrong), and writes the record, its roll-ups and
//! its audit entry in one transaction. Out-of-scope reads are not found; writes are forbidden.

use jinguo_domain::access::Permission;
use jinguo_domain::education::{ActivityKind, centre_level, centre_name};
use jinguo_domain::insight::Period;
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::education::activities::{self, Activity, FamilyRef, NewActivity, Served};
use jinguo_store::education::centres::{self, Centre, Lecturer, NewCentre, NewLecturer, NewTeam, Team};
use jinguo_store::education::{Table, region_of};
use jinguo_store::{Page, StoreError, Work};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::org::{Checks, optional_text, parse_count, parse_day, parse_region};
use crate::{Actor, App, AppError, Result};

pub use jinguo_store::education::activities::Filter as ActivityFilter;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CentreInput {
    #[serde(default)]
    pub region: String,
    /// Default: the usual name (西陵区家庭教育指导中心).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub founded_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TeamInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub formed_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LecturerInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub speciality: String,
    #[serde(default)]
    pub joined_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivityInput {
    #[serde(default)]
    pub region: String,
    /// community | school | rural (进社区/进学校/进农村)
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub held_on: Option<String>,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub topic: String,
    /// The lecturer's id; empty when none spoke.
    #[serde(default)]
    pub lecturer: Option<String>,
    /// Families of the register served: ids separated by commas, spaces or new lines.
    #[serde(default)]
    pub families: Option<String>,
    /// Households served that are not named (a count).
    #[serde(default)]
    pub unnamed_households: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CentreDetail {
    pub centre: Centre,
    pub teams: Vec<Team>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamDetail {
    pub team: Team,
    pub lecturers: Vec<Lecturer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActivityDetail {
    pub activity: Activity,
    pub families: Vec<FamilyRef>,
}

/// The id list of a form or a JSON body: numbers separated by commas, spaces or new lines.
pub fn parse_ids(field: &str, label: &str, s: &str) -> Result<Vec<i64>, Invalid> {
    let mut out = Vec::new();
    for part in s.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace()).filter(|p| !p.is_empty()) {
        let id = part.parse::<i64>().map_err(|_| Invalid::field(field, format!("{label}应为编号，以逗号分隔：{part}")))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.len() > 500 {
        return Err(Invalid::field(field, format!("一次最多登记 500 个{label}")));
    }
    Ok(out)
}

fn optional_id(field: &str, label: &str, s: Option<&str>) -> Result<Option<i64>, Invalid> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| Invalid::field(field, format!("请选择{label}"))),
    }
}

impl App {
    /// For a write on a record of this area that the scoped read did not find.
    pub(crate) async fn education_writable<T>(&self, actor: &Actor, found: Option<T>, table: Table, id: i64, action: &str) -> Result<T> {
        match found {
            Some(x) => Ok(x),
            None => {
                let region = region_of(self.db.reader(), table, id).await?;
                Err(self.missing_or_forbidden(actor, region, action, table.kind(), id).await)
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Centres
    // -----------------------------------------------------------------------------------------

    /// Opens the guidance centre of a region in scope (city, county, town or village).
    pub async fn create_centre(&self, actor: &Actor, input: &CentreInput) -> Result<Centre> {
        const ACTION: &str = "guidance_centre.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region).and_then(|r| centre_level(r.level()).map(|_| r)));
        let name = match input.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) => checks.take(validate_name("name", "中心名称", n, 60)).map(Some),
            None => Some(None),
        };
        let address = checks.take(optional_text("address", "地址", input.address.as_deref(), 200));
        let day = checks.take(parse_day("founded_on", "成立日期", input.founded_on.as_deref(), today, today));
        checks.finish()?;
        let (Some(region), Some(name), Some(address), Some(day)) = (region, name, address, day) else {
            return Err(AppError::Internal("validation".into()));
        };
        self.require_in_scope(actor, &region, ACTION, "guidance_centre", "").await?;
        let Some(r) = jinguo_store::org::regions::get(self.db.reader(), &region).await? else {
            return Err(AppError::invalid("region", "该区划不存在"));
        };
        if centres::of_region(self.db.reader(), &region).await?.is_some() {
            return Err(AppError::Conflict(format!("{}已设立家庭教育指导中心(站)，每个区划只设一个", r.name)));
        }
        let new = NewCentre {
            name: name.unwrap_or_else(|| centre_name(&r.name, region.level())),
            region: region.clone(),
            address,
            founded_on: day,
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = match centres::insert(&mut w, &new, now).await {
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
            "guidance_centre",
            id,
            &region.padded(),
            json!({"after": {"name": new.name, "founded_on": day}}),
        ));
        w.commit().await?;
        Ok(self.centre(actor, id).await?.centre)
    }

    pub async fn centre(&self, actor: &Actor, id: i64) -> Result<CentreDetail> {
        self.require(actor, Permission::ReadRegisters, "guidance_centre.read").await?;
        let centre = centres::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        let teams = centres::teams(self.db.reader(), &actor.scope, Some(id), None, 200).await?.items;
        Ok(CentreDetail { centre, teams })
    }

    pub async fn list_centres(&self, actor: &Actor, region: Option<&RegionCode>, after: Option<&str>, limit: u64) -> Result<Page<Centre>> {
        let scope = self.list_scope(actor, region, "guidance_centre.list").await?;
        Ok(centres::list(self.db.reader(), &scope, after, limit.clamp(1, 500)).await?)
    }

    // -----------------------------------------------------------------------------------------
    // Lecturer teams and lecturers
    // -----------------------------------------------------------------------------------------

    /// Forms a lecturer team of a centre.
    pub async fn create_team(&self, actor: &Actor, centre: i64, input: &TeamInput) -> Result<Team> {
        const ACTION: &str = "lecturer_team.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let found = centres::get(self.db.reader(), &actor.scope, centre).await?;
        let c = self.education_writable(actor, found, Table::Centres, centre, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let name = checks.take(validate_name("name", "讲师团名称", &input.name, 60));
        let day = checks.take(parse_day("formed_on", "组建日期", input.formed_on.as_deref(), today, today));
        checks.finish()?;
        let (Some(name), Some(day)) = (name, day) else { return Err(AppError::Internal("validation".into())) };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = centres::insert_team(&mut w, &c, &NewTeam { name: name.clone(), formed_on: day, created_by: actor.account }, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "lecturer_team",
            id,
            &c.region.padded(),
            json!({"after": {"centre": centre.to_string(), "name": name, "formed_on": day}}),
        ));
        w.commit().await?;
        Ok(self.team(actor, id).await?.team)
    }

    pub async fn team(&self, actor: &Actor, id: i64) -> Result<TeamDetail> {
        self.require(actor, Permission::ReadRegisters, "lecturer_team.read").await?;
        let team = centres::team(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        let lecturers = centres::lecturers(self.db.reader(), &actor.scope, Some(id), false, None, 500).await?.items;
        Ok(TeamDetail { team, lecturers })
    }

    pub async fn list_teams(&self, actor: &Actor, region: Option<&RegionCode>, after: Option<&str>, limit: u64) -> Result<Page<Team>> {
        let scope = self.list_scope(actor, region, "lecturer_team.list").await?;
        Ok(centres::teams(self.db.reader(), &scope, None, after, limit.clamp(1, 500)).await?)
    }

    /// A lecturer joins a team: her name and speciality (no contact is kept).
    pub async fn add_lecturer(&self, actor: &Actor, team: i64, input: &LecturerInput) -> Result<Lecturer> {
        const ACTION: &str = "lecturer.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let found = centres::team(self.db.reader(), &actor.scope, team).await?;
        let t = self.education_writable(actor, found, Table::Teams, team, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let name = checks.take(validate_name("name", "讲师姓名", &input.name, 30));
        let speciality = checks.take(validate_name("speciality", "专长", &input.speciality, 60));
        let day = checks.take(parse_day("joined_on", "加入日期", input.joined_on.as_deref(), today, today));
        checks.finish()?;
        let (Some(name), Some(speciality), Some(day)) = (name, speciality, day) else {
            return Err(AppError::Internal("validation".into()));
        };
        if day < t.formed_on {
            return Err(AppError::invalid("joined_on", format!("加入日期不能早于讲师团组建日期（{}）", t.formed_on)));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let new = NewLecturer { name: name.clone(), speciality: speciality.clone(), joined_on: day, created_by: actor.account };
        let id = centres::insert_lecturer(&mut w, &t, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "lecturer",
            id,
            &t.region.padded(),
            json!({"after": {"team": team.to_string(), "name": name, "speciality": speciality, "joined_on": day}}),
        ));
        w.commit().await?;
        self.lecturer(actor, id).await
    }

    pub async fn lecturer(&self, actor: &Actor, id: i64) -> Result<Lecturer> {
        self.require(actor, Permission::ReadRegisters, "lecturer.read").await?;
        centres::lecturer(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn list_lecturers(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        current: bool,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Lecturer>> {
        let scope = self.list_scope(actor, region, "lecturer.list").await?;
        Ok(centres::lecturers(self.db.reader(), &scope, None, current, after, limit.clamp(1, 500)).await?)
    }

    /// A lecturer leaves her team on a day (default today).
    pub async fn lecturer_leaves(&self, actor: &Actor, id: i64, left_on: Option<&str>) -> Result<Lecturer> {
        const ACTION: &str = "lecturer.leave";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let found = centres::lecturer(self.db.reader(), &actor.scope, id).await?;
        let l = self.education_writable(actor, found, Table::Lecturers, id, ACTION).await?;
        if l.left_on.is_some() {
            return Err(AppError::Conflict("该讲师已退出讲师团".into()));
        }
        let today = self.today();
        let day = parse_day("left_on", "退出日期", left_on, today, today)?;
        if day < l.joined_on {
            return Err(AppError::invalid("left_on", "退出日期不能早于加入日期"));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !centres::leave(&mut w, &l, day, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该讲师已退出讲师团".into()));
        }
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "lecturer", id, &l.region.padded(), json!({"after": {"left_on": day}})));
        w.commit().await?;
        self.lecturer(actor, id).await
    }

    /// Lecturers who may serve a region in the actor's scope (hers, and those of the centres
    /// above it), for the activity and assignment forms.
    pub async fn lecturers_for(&self, actor: &Actor, region: &RegionCode) -> Result<Vec<Lecturer>> {
        self.require(actor, Permission::ReadRegisters, "lecturer.list").await?;
        let scope = self.read_scope(actor, region, "lecturer.list").await?;
        let _ = scope;
        Ok(centres::available(self.db.reader(), &actor.scope, region).await?)
    }

    /// A lecturer the actor may name for work in `region`: hers, or of a centre above it.
    pub(crate) async fn lecturer_serving(&self, actor: &Actor, field: &str, id: i64, region: &RegionCode) -> Result<Lecturer> {
        match centres::lecturer_anywhere(self.db.reader(), id).await? {
            Some(l) if l.left_on.is_some() => Err(AppError::invalid(field, format!("{}已退出讲师团", l.name))),
            Some(l) if actor.scope.contains(&l.region) || l.region.contains(region) => Ok(l),
            _ => Err(AppError::invalid(field, "该讲师不存在，或不在您的管辖范围内")),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Service activities
    // -----------------------------------------------------------------------------------------

    /// Records a guidance activity with the households it served.
    pub async fn record_education_activity(&self, actor: &Actor, input: &ActivityInput) -> Result<ActivityDetail> {
        const ACTION: &str = "education_activity.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region));
        let kind = checks.take(ActivityKind::parse(&input.kind));
        let day = checks.take(parse_day("held_on", "活动日期", input.held_on.as_deref(), today, today));
        let place = checks.take(validate_name("place", "活动地点", &input.place, 100));
        let topic = checks.take(validate_name("topic", "活动主题", &input.topic, 100));
        let lecturer = checks.take(optional_id("lecturer", "讲师", input.lecturer.as_deref()));
        let family_ids = checks.take(parse_ids("families", "家庭", input.families.as_deref().unwrap_or("")));
        let unnamed = checks.take(parse_count("unnamed_households", "未登记的服务家庭数", input.unnamed_households.as_deref(), 0, 100_000));
        checks.finish()?;
        let (Some(region), Some(kind), Some(day), Some(place), Some(topic), Some(lecturer), Some(family_ids), Some(unnamed)) =
            (region, kind, day, place, topic, lecturer, family_ids, unnamed)
        else {
            return Err(AppError::Internal("validation".into()));
        };
        if family_ids.is_empty() && unnamed == 0 {
            return Err(AppError::invalid("families", "请登记服务的家庭（选择登记家庭，或填写未登记的服务家庭数）"));
        }
        self.require_in_scope(actor, &region, ACTION, "education_activity", "").await?;
        if jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", "该区划不存在"));
        }
        if let Some(l) = lecturer {
            self.lecturer_serving(actor, "lecturer", l, &region).await?;
        }
        let mut families = Vec::with_capacity(family_ids.len());
        for fid in family_ids {
            match activities::family(self.db.reader(), fid).await? {
                Some(f) if actor.scope.contains(&f.region) => families.push(f),
                Some(f) => {
                    return Err(self
                        .deny(actor, ACTION, "family", &fid.to_string(), &f.region.padded(), "所登记的家庭不在您的管辖范围内，无权操作")
                        .await);
                }
                None => return Err(AppError::invalid("families", format!("家庭编号 {fid} 不存在"))),
            }
        }
        let new = NewActivity {
            region: region.clone(),
            kind,
            held_on: day,
            place,
            topic,
            lecturer,
            unnamed_households: unnamed,
            families,
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = activities::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "education_activity",
            id,
            &region.padded(),
            json!({"after": {"kind": kind.code(), "held_on": day, "topic": new.topic, "lecturer": lecturer.map(|l| l.to_string()),
                "families": new.families.iter().map(|f| f.id.to_string()).collect::<Vec<_>>(), "unnamed_households": unnamed}}),
        ));
        w.commit().await?;
        self.education_activity(actor, id).await
    }

    pub async fn education_activity(&self, actor: &Actor, id: i64) -> Result<ActivityDetail> {
        self.require(actor, Permission::ReadRegisters, "education_activity.read").await?;
        let activity = activities::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        // Families outside the reader's scope (served by an activity she may see) stay unnamed.
        let families = activities::families(self.db.reader(), id)
            .await?
            .into_iter()
            .map(|mut f| {
                if !actor.scope.contains(&f.region) {
                    f.name = "（管辖范围外的家庭）".into();
                }
                f
            })
            .collect();
        Ok(ActivityDetail { activity, families })
    }

    pub async fn list_education_activities(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: &ActivityFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Activity>> {
        let scope = self.list_scope(actor, region, "education_activity.list").await?;
        Ok(activities::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?)
    }

    /// Households served in a region subtree over a period, without double counting: distinct
    /// families of the register plus the unnamed households as counted.
    pub async fn households_served(&self, actor: &Actor, region: Option<&RegionCode>, period: Period) -> Result<Served> {
        let scope = self.list_scope(actor, region, "education_activity.list").await?;
        Ok(activities::households_served(self.db.reader(), &scope, period.from, period.to).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_accept_the_usual_separators() {
        assert_eq!(parse_ids("f", "家庭", "1, 2，3、4\n5 5").unwrap(), vec![1, 2, 3, 4, 5]);
        assert_eq!(parse_ids("f", "家庭", "").unwrap(), Vec::<i64>::new());
        assert!(parse_ids("f", "家庭", "1, x").unwrap_err().summary().contains("应为编号"));
    }
}
