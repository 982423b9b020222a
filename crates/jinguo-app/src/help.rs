//! One-to-one help and aid (一对一帮扶): pairing a helper with a woman and ending the pairing,
//! recording aid given to her, and mutual-aid groups with their members and meetings. Each use
//! case checks permission and scope, validates with Chinese messages (nothing is written when a
//! field is wrong), and writes the record, its roll-ups and its audit entry in one transaction.
//!
//! Names: lists show women as 张*, records in full; roles that do not see identity (reviewers)
//! see no woman's name at all, nor a group leader's (often one of the women).

use jinguo_domain::access::Permission;
use jinguo_domain::help::{AidKind, Fen, HelperKind};
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::help::aid::{self, Aid, NewAid};
use jinguo_store::help::groups::{self, Group, Meeting, Member, Membership, NewGroup, NewMeeting};
use jinguo_store::help::pairings::{self, NewPairing, Pairing};
use jinguo_store::people::PersonRow;
use jinguo_store::register::Register;
use jinguo_store::{Page, StoreError, Work};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::org::{Checks, optional_text, parse_count, parse_day, parse_region};
use crate::{Actor, App, AppError, Result};

pub use jinguo_store::help::aid::Filter as AidFilter;
pub use jinguo_store::help::pairings::Filter as PairingFilter;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PairingInput {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub helper_name: String,
    /// executive_member | volunteer | cadre (执委/志愿者/干部)
    #[serde(default)]
    pub helper_kind: String,
    #[serde(default)]
    pub started_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AidInput {
    #[serde(default)]
    pub person: String,
    /// living | medical | education | other
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub given_on: Option<String>,
    /// Yuan as typed: "1200.50".
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupInput {
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub leader: String,
    #[serde(default)]
    pub formed_on: Option<String>,
}

/// A woman joining a group: by her record's id, or by her ID number typed in full.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberInput {
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub joined_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeetingInput {
    #[serde(default)]
    pub held_on: Option<String>,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub attendees: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupDetail {
    pub group: Group,
    pub members: Vec<Member>,
    pub meetings: Vec<Meeting>,
}

/// What her record shows of the help she gets.
#[derive(Debug, Clone, Serialize)]
pub struct HelpOfPerson {
    pub pairings: Vec<Pairing>,
    pub aid: Vec<Aid>,
    pub groups: Vec<Membership>,
}

fn person_id(field: &str, value: &str, message: &str) -> Result<i64, Invalid> {
    value.trim().parse::<i64>().map_err(|_| Invalid::field(field, message))
}

impl App {
    /// The woman a write is about: read in scope; otherwise Forbidden (audited) when she exists
    /// outside it, and a field error when there is no such person.
    async fn person_for_write(&self, actor: &Actor, pid: i64, action: &str) -> Result<PersonRow> {
        match jinguo_store::people::get(&self.db, &actor.scope, pid).await? {
            Some(p) => Ok(p),
            None => {
                let region = jinguo_store::register::region_of(self.db.reader(), Register::People, pid).await?;
                Err(match region {
                    Some(_) => self.missing_or_forbidden(actor, region, action, "person", pid).await,
                    None => AppError::invalid("person", "该人员不存在"),
                })
            }
        }
    }

    fn mask_pairing(actor: &Actor, mut p: Pairing, in_list: bool) -> Pairing {
        p.person_name = if in_list {
            actor.list_name(&p.person_name)
        } else if actor.sees_identity() {
            p.person_name
        } else {
            String::new()
        };
        p
    }

    fn mask_aid(actor: &Actor, mut a: Aid, in_list: bool) -> Aid {
        a.person_name = if in_list {
            actor.list_name(&a.person_name)
        } else if actor.sees_identity() {
            a.person_name
        } else {
            String::new()
        };
        a
    }

    fn mask_group(actor: &Actor, mut g: Group, in_list: bool) -> Group {
        g.leader = if in_list {
            actor.list_name(&g.leader)
        } else if actor.sees_identity() {
            g.leader
        } else {
            String::new()
        };
        g
    }

    // -----------------------------------------------------------------------------------------
    // Pairings
    // -----------------------------------------------------------------------------------------

    /// Pairs a helper with a registered woman from a start date (default today).
    pub async fn start_pairing(&self, actor: &Actor, input: &PairingInput) -> Result<Pairing> {
        const ACTION: &str = "pairing.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let pid = checks.take(person_id("person", &input.person, "请选择结对帮扶的妇女"));
        let helper = checks.take(validate_name("helper_name", "帮扶人姓名", &input.helper_name, 30));
        let kind = checks.take(HelperKind::parse(&input.helper_kind));
        let day = checks.take(parse_day("started_on", "结对日期", input.started_on.as_deref(), today, today));
        checks.finish()?;
        let (Some(pid), Some(helper), Some(kind), Some(day)) = (pid, helper, kind, day) else {
            return Err(AppError::Internal("validation".into()));
        };
        let p = self.person_for_write(actor, pid, ACTION).await?;
        if pairings::of_person(self.db.reader(), pid).await?.iter().any(|x| x.ended_on.is_none() && x.helper_name == helper) {
            return Err(AppError::Conflict(format!("{helper}已与她结对帮扶，尚未结束")));
        }
        let new = NewPairing {
            person: pid,
            region: p.region.clone(),
            helper_name: helper,
            helper_kind: kind,
            started_on: day,
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = pairings::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "pairing",
            id,
            &p.region.padded(),
            json!({"after": {"person": pid.to_string(), "helper_name": new.helper_name, "helper_kind": kind.code(), "started_on": day}}),
        ));
        w.commit().await?;
        self.pairing(actor, id).await
    }

    pub async fn pairing(&self, actor: &Actor, id: i64) -> Result<Pairing> {
        self.require(actor, Permission::ReadRegisters, "pairing.read").await?;
        let p = pairings::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        Ok(Self::mask_pairing(actor, p, false))
    }

    pub async fn list_pairings(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: PairingFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Pairing>> {
        let scope = self.list_scope(actor, region, "pairing.list").await?;
        let page = pairings::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?;
        Ok(page.map(|p| Self::mask_pairing(actor, p, true)))
    }

    /// Ends a pairing on a day (default today) with a reason.
    pub async fn end_pairing(&self, actor: &Actor, id: i64, ended_on: Option<&str>, reason: &str) -> Result<Pairing> {
        const ACTION: &str = "pairing.end";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let found = pairings::get(self.db.reader(), &actor.scope, id).await?;
        let p = self.writable(actor, found, Register::Pairings, id, ACTION).await?;
        if p.ended_on.is_some() {
            return Err(AppError::Conflict("该结对帮扶已结束".into()));
        }
        let today = self.today();
        let mut checks = Checks::new();
        let day = checks.take(parse_day("ended_on", "结束日期", ended_on, today, today));
        let reason = checks.take(validate_name("end_reason", "结束原因", reason, 200));
        checks.finish()?;
        let (Some(day), Some(reason)) = (day, reason) else { return Err(AppError::Internal("validation".into())) };
        if day < p.started_on {
            return Err(AppError::invalid("ended_on", format!("结束日期不能早于结对日期（{}）", p.started_on)));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        pairings::end(&mut w, &p, day, &reason, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "pairing",
            id,
            &p.region.padded(),
            json!({"after": {"ended_on": day, "reason": reason}}),
        ));
        w.commit().await?;
        self.pairing(actor, id).await
    }

    // -----------------------------------------------------------------------------------------
    // Aid
    // -----------------------------------------------------------------------------------------

    /// Records aid given to a registered woman.
    pub async fn record_aid(&self, actor: &Actor, input: &AidInput) -> Result<Aid> {
        const ACTION: &str = "aid.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let pid = checks.take(person_id("person", &input.person, "请选择受助的妇女"));
        let kind = checks.take(AidKind::parse(&input.kind));
        let day = checks.take(parse_day("given_on", "救助日期", input.given_on.as_deref(), today, today));
        let amount = checks.take(Fen::parse_yuan("amount", "救助金额", &input.amount));
        let source = checks.take(validate_name("source", "资金来源", &input.source, 60));
        let note = checks.take(optional_text("note", "备注", input.note.as_deref(), 500));
        checks.finish()?;
        let (Some(pid), Some(kind), Some(day), Some(amount), Some(source), Some(note)) = (pid, kind, day, amount, source, note) else {
            return Err(AppError::Internal("validation".into()));
        };
        let p = self.person_for_write(actor, pid, ACTION).await?;
        let new = NewAid { person: pid, region: p.region.clone(), kind, given_on: day, amount, source, note, created_by: actor.account };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = aid::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "aid",
            id,
            &p.region.padded(),
            json!({"after": {"person": pid.to_string(), "kind": kind.code(), "given_on": day, "amount_fen": amount.fen(), "source": new.source}}),
        ));
        w.commit().await?;
        self.aid(actor, id).await
    }

    pub async fn aid(&self, actor: &Actor, id: i64) -> Result<Aid> {
        self.require(actor, Permission::ReadRegisters, "aid.read").await?;
        let a = aid::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        Ok(Self::mask_aid(actor, a, false))
    }

    pub async fn list_aid(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: AidFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Aid>> {
        let scope = self.list_scope(actor, region, "aid.list").await?;
        let page = aid::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?;
        Ok(page.map(|a| Self::mask_aid(actor, a, true)))
    }

    /// Her pairings, aid and groups, for her record (she must be in scope).
    pub async fn help_of_person(&self, actor: &Actor, person: i64) -> Result<HelpOfPerson> {
        self.require(actor, Permission::ReadRegisters, "person.read").await?;
        if jinguo_store::people::get(&self.db, &actor.scope, person).await?.is_none() {
            return Err(AppError::NotFound);
        }
        let pairings =
            pairings::of_person(self.db.reader(), person).await?.into_iter().map(|p| Self::mask_pairing(actor, p, false)).collect();
        let filter = AidFilter { person: Some(person), ..AidFilter::default() };
        let aid = aid::list(self.db.reader(), &actor.scope, filter, None, 200)
            .await?
            .items
            .into_iter()
            .map(|a| Self::mask_aid(actor, a, false))
            .collect();
        Ok(HelpOfPerson { pairings, aid, groups: groups::of_person(self.db.reader(), person).await? })
    }

    // -----------------------------------------------------------------------------------------
    // Mutual-aid groups
    // -----------------------------------------------------------------------------------------

    /// Forms a mutual-aid group in a region of the caller's scope.
    pub async fn create_group(&self, actor: &Actor, input: &GroupInput) -> Result<Group> {
        const ACTION: &str = "mutual_aid_group.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region));
        let name = checks.take(validate_name("name", "小组名称", &input.name, 60));
        let topic = checks.take(optional_text("topic", "小组主题", input.topic.as_deref(), 200));
        let leader = checks.take(validate_name("leader", "组长", &input.leader, 30));
        let day = checks.take(parse_day("formed_on", "成立日期", input.formed_on.as_deref(), today, today));
        checks.finish()?;
        let (Some(region), Some(name), Some(topic), Some(leader), Some(day)) = (region, name, topic, leader, day) else {
            return Err(AppError::Internal("validation".into()));
        };
        self.require_in_scope(actor, &region, ACTION, "mutual_aid_group", "").await?;
        if jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", "该区划不存在"));
        }
        let new = NewGroup { region: region.clone(), name, topic, leader, formed_on: day, created_by: actor.account };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = groups::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "mutual_aid_group",
            id,
            &region.padded(),
            json!({"after": {"name": new.name, "formed_on": day}}),
        ));
        w.commit().await?;
        Ok(self.group(actor, id).await?.group)
    }

    pub async fn group(&self, actor: &Actor, id: i64) -> Result<GroupDetail> {
        self.require(actor, Permission::ReadRegisters, "mutual_aid_group.read").await?;
        let g = groups::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        let members = groups::members(self.db.reader(), id)
            .await?
            .into_iter()
            .map(|mut m| {
                m.person_name = actor.list_name(&m.person_name);
                m
            })
            .collect();
        Ok(GroupDetail { group: Self::mask_group(actor, g, false), members, meetings: groups::meetings(self.db.reader(), id).await? })
    }

    pub async fn list_groups(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        q: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Group>> {
        let scope = self.list_scope(actor, region, "mutual_aid_group.list").await?;
        let page = groups::list(self.db.reader(), &scope, q, after, limit.clamp(1, 500)).await?;
        Ok(page.map(|g| Self::mask_group(actor, g, true)))
    }

    async fn group_for_write(&self, actor: &Actor, id: i64, action: &str) -> Result<Group> {
        self.require(actor, Permission::WritePeople, action).await?;
        let found = groups::get(self.db.reader(), &actor.scope, id).await?;
        self.writable(actor, found, Register::MutualAidGroups, id, action).await
    }

    /// A woman joins a group (by her record's id, or her ID number in full).
    pub async fn add_group_member(&self, actor: &Actor, group: i64, input: &MemberInput) -> Result<GroupDetail> {
        const ACTION: &str = "mutual_aid_group.member_add";
        let g = self.group_for_write(actor, group, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let day = checks.take(parse_day("joined_on", "入组日期", input.joined_on.as_deref(), today, today));
        let pid = match (
            input.person.as_deref().map(str::trim).filter(|s| !s.is_empty()),
            input.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()),
        ) {
            (Some(p), _) => checks.take(person_id("person", p, "请选择入组的妇女")),
            (None, Some(idn)) => {
                let found = self.list_people(actor, None, None, Some(idn), None, 2).await?;
                match (jinguo_domain::people::IdNumber::parse(idn, today), found.items.as_slice()) {
                    (Err(e), _) => {
                        checks.take::<()>(Err(Invalid::field("id_number", e.summary())));
                        None
                    }
                    (Ok(_), [one]) => Some(one.id),
                    (Ok(_), _) => {
                        checks.take(Err(Invalid::field("id_number", "您的管辖范围内没有登记该身份证号码的妇女，请先在“妇女信息”中登记")))
                    }
                }
            }
            (None, None) => checks.take(Err(Invalid::field("id_number", "请填写入组妇女的身份证号码"))),
        };
        checks.finish()?;
        let (Some(day), Some(pid)) = (day, pid) else { return Err(AppError::Internal("validation".into())) };
        let p = self.person_for_write(actor, pid, ACTION).await?;
        if day < g.formed_on {
            return Err(AppError::invalid("joined_on", format!("入组日期不能早于小组成立日期（{}）", g.formed_on)));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = match groups::add_member(&mut w, &g, pid, day, now).await {
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
            "mutual_aid_group",
            group,
            &g.region.padded(),
            json!({"after": {"member": id.to_string(), "person": pid.to_string(), "person_region": p.region.padded(), "joined_on": day}}),
        ));
        w.commit().await?;
        self.group(actor, group).await
    }

    /// A member leaves the group on a day (default today).
    pub async fn remove_group_member(&self, actor: &Actor, group: i64, member: i64, left_on: Option<&str>) -> Result<GroupDetail> {
        const ACTION: &str = "mutual_aid_group.member_leave";
        let g = self.group_for_write(actor, group, ACTION).await?;
        let m = groups::member(self.db.reader(), group, member).await?.ok_or(AppError::NotFound)?;
        if m.left_on.is_some() {
            return Err(AppError::Conflict("她已退出该互助小组".into()));
        }
        let today = self.today();
        let day = parse_day("left_on", "退出日期", left_on, today, today)?;
        if day < m.joined_on {
            return Err(AppError::invalid("left_on", "退出日期不能早于入组日期"));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        groups::remove_member(&mut w, &g, &m, day).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "mutual_aid_group",
            group,
            &g.region.padded(),
            json!({"after": {"member": member.to_string(), "left_on": day}}),
        ));
        w.commit().await?;
        self.group(actor, group).await
    }

    /// Records a meeting of the group.
    pub async fn record_group_meeting(&self, actor: &Actor, group: i64, input: &MeetingInput) -> Result<GroupDetail> {
        const ACTION: &str = "mutual_aid_group.meeting";
        let g = self.group_for_write(actor, group, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let day = checks.take(parse_day("held_on", "活动日期", input.held_on.as_deref(), today, today));
        let topic = checks.take(validate_name("topic", "活动主题", &input.topic, 100));
        let attendees = match input.attendees.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => checks.take(Err(Invalid::field("attendees", "请填写参加人数"))),
            Some(a) => checks.take(parse_count("attendees", "参加人数", Some(a), 0, 10_000)),
        };
        let note = checks.take(optional_text("note", "备注", input.note.as_deref(), 500));
        checks.finish()?;
        let (Some(day), Some(topic), Some(attendees), Some(note)) = (day, topic, attendees, note) else {
            return Err(AppError::Internal("validation".into()));
        };
        if day < g.formed_on {
            return Err(AppError::invalid("held_on", format!("活动日期不能早于小组成立日期（{}）", g.formed_on)));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = groups::record_meeting(&mut w, &g, &NewMeeting { held_on: day, topic, attendees, note, created_by: actor.account }, now)
            .await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "mutual_aid_group",
            group,
            &g.region.padded(),
            json!({"after": {"meeting": id.to_string(), "held_on": day, "attendees": attendees}}),
        ));
        w.commit().await?;
        self.group(actor, group).await
    }
}
