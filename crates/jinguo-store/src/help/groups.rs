//! Mutual-aid groups (互助小组, e.g. 留守妇女互助小组): a group of a village (or any region) with a
//! leader and a topic, the women who join and leave it, and the meetings it holds. Groups are a
//! stock (and groups formed a flow), members a stock, meetings and their attendance flows.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub name: String,
    pub topic: String,
    pub leader: String,
    pub formed_on: NaiveDate,
    /// Current members.
    pub members: i64,
    pub meetings: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: i64,
    pub person: i64,
    pub person_name: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub held_on: NaiveDate,
    pub topic: String,
    pub attendees: i64,
    pub note: String,
}

/// A group a woman belongs (or belonged) to, for her record.
#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub group: i64,
    pub group_name: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

const SELECT: &str = "SELECT g.id, g.region, r.name AS region_name, g.name, g.topic, g.leader, g.formed_on, \
     (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id AND m.left_on IS NULL) AS members, \
     (SELECT COUNT(*) FROM group_meetings e WHERE e.group_id = g.id) AS meetings \
     FROM mutual_aid_groups g JOIN regions r ON r.code = g.region";

fn from_row(row: &QueryResult) -> Result<Group> {
    Ok(Group {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        name: sql::get(row, "name")?,
        topic: sql::get(row, "topic")?,
        leader: sql::get(row, "leader")?,
        formed_on: sql::get(row, "formed_on")?,
        members: sql::get(row, "members")?,
        meetings: sql::get(row, "meetings")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Group>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE g.id = ? AND g.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Groups in scope, by region then id; `q` finds by part of the name.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, q: Option<&str>, after: Option<&str>, limit: u64) -> Result<Page<Group>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE g.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        cond.push_str(" AND g.name LIKE ?");
        values.push(format!("%{}%", q.replace(['%', '_'], "")).into());
    }
    let listing = super::Listing { select: SELECT, from: "mutual_aid_groups g", alias: "g", from_row, key: |g| (g.region.padded(), g.id) };
    super::page_by_region(c, &listing, cond, values, after, limit).await
}

#[derive(Debug, Clone)]
pub struct NewGroup {
    pub region: RegionCode,
    pub name: String,
    pub topic: String,
    pub leader: String,
    pub formed_on: NaiveDate,
    pub created_by: Option<i64>,
}

pub async fn insert(w: &mut Work, new: &NewGroup, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO mutual_aid_groups (id, region, name, topic, leader, formed_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, new.region.padded(), new.name.clone(), new.topic.clone(), new.leader.clone(), new.formed_on, new.created_by, now_ms, now_ms],
    )
    .await?;
    w.deltas.add(metric::HELP_GROUPS, &new.region, new.formed_on, 1);
    w.deltas.add(metric::HELP_GROUPS_FORMED, &new.region, new.formed_on, 1);
    Ok(id)
}

const MEMBER_SELECT: &str =
    "SELECT m.id, m.person, p.name AS person_name, m.joined_on, m.left_on FROM group_members m JOIN people p ON p.id = m.person";

fn member_from_row(r: &QueryResult) -> Result<Member> {
    Ok(Member {
        id: sql::get(r, "id")?,
        person: sql::get(r, "person")?,
        person_name: sql::get(r, "person_name")?,
        joined_on: sql::get(r, "joined_on")?,
        left_on: sql::get(r, "left_on")?,
    })
}

/// The members of a group, current ones first, then by the day they joined.
pub async fn members<C: ConnectionTrait>(c: &C, group: i64) -> Result<Vec<Member>> {
    let rows = sql::all(
        c,
        &format!("{MEMBER_SELECT} WHERE m.group_id = ? ORDER BY CASE WHEN m.left_on IS NULL THEN 0 ELSE 1 END, m.joined_on, m.id"),
        vals![group],
    )
    .await?;
    rows.iter().map(member_from_row).collect()
}

/// One membership of a group, current or past.
pub async fn member<C: ConnectionTrait>(c: &C, group: i64, id: i64) -> Result<Option<Member>> {
    let row = sql::one(c, &format!("{MEMBER_SELECT} WHERE m.group_id = ? AND m.id = ?"), vals![group, id]).await?;
    row.as_ref().map(member_from_row).transpose()
}

/// The groups a woman belongs or belonged to (the caller has read her in scope).
pub async fn of_person<C: ConnectionTrait>(c: &C, person: i64) -> Result<Vec<Membership>> {
    let rows = sql::all(
        c,
        "SELECT m.group_id, g.name, m.joined_on, m.left_on FROM group_members m JOIN mutual_aid_groups g ON g.id = m.group_id \
         WHERE m.person = ? ORDER BY m.joined_on DESC, m.id DESC",
        vals![person],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Membership {
                group: sql::get(r, "group_id")?,
                group_name: sql::get(r, "name")?,
                joined_on: sql::get(r, "joined_on")?,
                left_on: sql::get(r, "left_on")?,
            })
        })
        .collect()
}

/// A woman joins a group on `day`. A second open membership is a conflict.
pub async fn add_member(w: &mut Work, group: &Group, person: i64, day: NaiveDate, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO group_members (id, group_id, person, region, joined_on, left_on, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)",
        vals![id, group.id, person, group.region.padded(), day, now_ms],
        "她已是该互助小组的成员",
    )
    .await?;
    w.deltas.add(metric::HELP_GROUP_MEMBERS, &group.region, day, 1);
    Ok(id)
}

/// A member leaves on `day`.
pub async fn remove_member(w: &mut Work, group: &Group, member: &Member, day: NaiveDate) -> Result<()> {
    sql::exec(&w.tx, "UPDATE group_members SET left_on = ? WHERE id = ? AND left_on IS NULL", vals![day, member.id]).await?;
    w.deltas.add(metric::HELP_GROUP_MEMBERS, &group.region, day, -1);
    Ok(())
}

pub async fn meetings<C: ConnectionTrait>(c: &C, group: i64) -> Result<Vec<Meeting>> {
    let rows = sql::all(
        c,
        "SELECT id, held_on, topic, attendees, note FROM group_meetings WHERE group_id = ? ORDER BY held_on DESC, id DESC",
        vals![group],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Meeting {
                id: sql::get(r, "id")?,
                held_on: sql::get(r, "held_on")?,
                topic: sql::get(r, "topic")?,
                attendees: sql::get(r, "attendees")?,
                note: sql::get(r, "note")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub held_on: NaiveDate,
    pub topic: String,
    pub attendees: i64,
    pub note: String,
    pub created_by: Option<i64>,
}

pub async fn record_meeting(w: &mut Work, group: &Group, m: &NewMeeting, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO group_meetings (id, group_id, region, held_on, topic, attendees, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, group.id, group.region.padded(), m.held_on, m.topic.clone(), m.attendees, m.note.clone(), m.created_by, now_ms],
    )
    .await?;
    w.deltas.add(metric::HELP_GROUP_MEETINGS, &group.region, m.held_on, 1);
    w.deltas.add(metric::HELP_GROUP_ATTENDANCE, &group.region, m.held_on, m.attendees);
    Ok(id)
}

/// Raw figures over the registers, the check on the roll-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scan {
    /// Groups formed by the end of `to`.
    pub groups: i64,
    /// Groups formed in `from..=to`.
    pub formed: i64,
    /// Members at the end of `to`.
    pub members: i64,
    /// Meetings held in `from..=to`, and their attendance.
    pub meetings: i64,
    pub attendance: i64,
}

pub async fn scan<C: ConnectionTrait>(c: &C, scope: &Scope, from: NaiveDate, to: NaiveDate) -> Result<Scan> {
    let (low, high) = scope.bounds();
    let b = || vals![low.clone(), high.clone()];
    let mut v = b();
    v.push(to.into());
    let groups: i64 = sql::scalar(c, "SELECT COUNT(*) FROM mutual_aid_groups WHERE region BETWEEN ? AND ? AND formed_on <= ?", v).await?;
    let mut v = b();
    v.extend([from.into(), to.into()]);
    let formed: i64 =
        sql::scalar(c, "SELECT COUNT(*) FROM mutual_aid_groups WHERE region BETWEEN ? AND ? AND formed_on BETWEEN ? AND ?", v).await?;
    let mut v = b();
    v.extend([to.into(), to.into()]);
    let members: i64 = sql::scalar(
        c,
        "SELECT COUNT(*) FROM group_members WHERE region BETWEEN ? AND ? AND joined_on <= ? AND (left_on IS NULL OR left_on > ?)",
        v,
    )
    .await?;
    let mut v = b();
    v.extend([from.into(), to.into()]);
    let row = sql::one(
        c,
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(attendees), 0) AS BIGINT) AS people FROM group_meetings WHERE region BETWEEN ? AND ? AND held_on BETWEEN ? AND ?",
        v,
    )
    .await?
    .ok_or(crate::StoreError::NotFound)?;
    Ok(Scan { groups, formed, members, meetings: sql::get(&row, "n")?, attendance: sql::get(&row, "people")? })
}
