//! Award campaigns (评选): campaigns and their quotas (this file), nominations with their photos
//! and reviews, the public vote, the public notice's objections, honours and roadshows. Every
//! write adds its roll-up deltas to the same [`Work`](crate::Work).
//!
//! Campaigns are the city's and are public facts (their notice is a public page), so reading one
//! takes no scope; nominations, honours and roadshows are registers read within a scope.

pub mod honours;
pub mod nominations;
pub mod objections;
pub mod roadshows;
pub mod votes;

use chrono::NaiveDate;
use jinguo_domain::awards::{AwardKind, Timetable};
use jinguo_domain::insight::metric;
use jinguo_domain::{Level, RegionCode};
use sea_orm::{ConnectionTrait, QueryResult};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Result, StoreError, Work, sql, vals};

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Nominating, reviewing, voting (each in its window).
    Open,
    /// The list is on public notice.
    Notice,
    /// Honours recorded.
    Finalised,
}

impl CampaignStatus {
    pub fn code(self) -> &'static str {
        match self {
            CampaignStatus::Open => "open",
            CampaignStatus::Notice => "notice",
            CampaignStatus::Finalised => "finalised",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CampaignStatus::Open => "推荐评审中",
            CampaignStatus::Notice => "公示中",
            CampaignStatus::Finalised => "已结束",
        }
    }

    fn parse(s: &str) -> CampaignStatus {
        match s {
            "notice" => CampaignStatus::Notice,
            "finalised" => CampaignStatus::Finalised,
            _ => CampaignStatus::Open,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub region: RegionCode,
    pub kind: AwardKind,
    pub kind_name: String,
    pub for_person: bool,
    pub year: i64,
    pub title: String,
    pub timetable: Timetable,
    pub vote_weight: i64,
    pub notice_start: Option<NaiveDate>,
    pub notice_end: Option<NaiveDate>,
    pub status: CampaignStatus,
    pub finalised_on: Option<NaiveDate>,
}

/// A county's places in a campaign, and how many each level has used.
#[derive(Debug, Clone, Serialize)]
pub struct Quota {
    pub county: RegionCode,
    pub county_name: String,
    pub quota: i64,
    pub town_used: i64,
    pub county_used: i64,
    pub city_used: i64,
}

impl Quota {
    pub fn used(&self, level: Level) -> i64 {
        match level {
            Level::Town => self.town_used,
            Level::County => self.county_used,
            _ => self.city_used,
        }
    }
}

const SELECT: &str = "SELECT id, region, kind, kind_name, for_person, year, title, nominate_from, nominate_to, review_from, review_to, \
     vote_from, vote_to, vote_weight, notice_from, notice_days, notice_start, notice_end, status, finalised_on FROM award_campaigns";

fn from_row(row: &QueryResult) -> Result<Campaign> {
    let kind: String = sql::get(row, "kind")?;
    let status: String = sql::get(row, "status")?;
    let vote_from: Option<NaiveDate> = sql::get(row, "vote_from")?;
    let vote_to: Option<NaiveDate> = sql::get(row, "vote_to")?;
    Ok(Campaign {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        kind: AwardKind::parse(&kind).unwrap_or(AwardKind::Custom),
        kind_name: sql::get(row, "kind_name")?,
        for_person: sql::get(row, "for_person")?,
        year: sql::get(row, "year")?,
        title: sql::get(row, "title")?,
        timetable: Timetable {
            nominate_from: sql::get(row, "nominate_from")?,
            nominate_to: sql::get(row, "nominate_to")?,
            review_from: sql::get(row, "review_from")?,
            review_to: sql::get(row, "review_to")?,
            vote: vote_from.zip(vote_to),
            notice_from: sql::get(row, "notice_from")?,
            notice_days: sql::get(row, "notice_days")?,
        },
        vote_weight: sql::get(row, "vote_weight")?,
        notice_start: sql::get(row, "notice_start")?,
        notice_end: sql::get(row, "notice_end")?,
        status: CampaignStatus::parse(&status),
        finalised_on: sql::get(row, "finalised_on")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Campaign>> {
    let row = sql::one(c, &format!("{SELECT} WHERE id = ?"), vals![id]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Campaigns, the latest year first; `year` narrows to one year. Campaigns are few (a handful a
/// year), so the list is whole.
pub async fn list<C: ConnectionTrait>(c: &C, year: Option<i64>) -> Result<Vec<Campaign>> {
    let rows = match year {
        Some(y) => sql::all(c, &format!("{SELECT} WHERE year = ? ORDER BY year DESC, id DESC"), vals![y]).await?,
        None => sql::all(c, &format!("{SELECT} ORDER BY year DESC, id DESC LIMIT 500"), vec![]).await?,
    };
    rows.iter().map(from_row).collect()
}

/// Campaigns whose notice is (or was) published: what the public pages list.
pub async fn published<C: ConnectionTrait>(c: &C) -> Result<Vec<Campaign>> {
    let rows =
        sql::all(c, &format!("{SELECT} WHERE notice_start IS NOT NULL ORDER BY notice_start DESC, id DESC LIMIT 100"), vec![]).await?;
    rows.iter().map(from_row).collect()
}

/// Campaigns open for nominations or votes on `day` (what the public pages offer).
pub async fn open_on<C: ConnectionTrait>(c: &C, day: NaiveDate) -> Result<Vec<Campaign>> {
    let rows = sql::all(
        c,
        &format!(
            "{SELECT} WHERE status = 'open' AND ((nominate_from <= ? AND nominate_to >= ?) OR (vote_from <= ? AND vote_to >= ?)) ORDER BY id DESC"
        ),
        vals![day, day, day, day],
    )
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn quotas<C: ConnectionTrait>(c: &C, campaign: i64) -> Result<Vec<Quota>> {
    let rows = sql::all(
        c,
        "SELECT q.county, r.name, q.quota, q.town_used, q.county_used, q.city_used FROM award_quotas q \
         JOIN regions r ON r.code = q.county WHERE q.campaign = ? ORDER BY q.county",
        vals![campaign],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Quota {
                county: region_of_row(r, "county")?,
                county_name: sql::get(r, "name")?,
                quota: sql::get(r, "quota")?,
                town_used: sql::get(r, "town_used")?,
                county_used: sql::get(r, "county_used")?,
                city_used: sql::get(r, "city_used")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub region: RegionCode,
    pub kind: AwardKind,
    pub kind_name: String,
    pub for_person: bool,
    pub year: i64,
    pub title: String,
    pub timetable: Timetable,
    pub vote_weight: i64,
    /// Places per county.
    pub quotas: Vec<(RegionCode, i64)>,
    pub created_on: NaiveDate,
    pub created_by: Option<i64>,
}

pub async fn insert(w: &mut Work, new: &NewCampaign, now_ms: i64) -> Result<i64> {
    let id = next_id();
    let t = &new.timetable;
    sql::exec(
        &w.tx,
        "INSERT INTO award_campaigns (id, region, kind, kind_name, for_person, level, year, title, nominate_from, nominate_to, review_from, review_to, \
         vote_from, vote_to, vote_weight, notice_from, notice_days, notice_start, notice_end, status, finalised_on, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, 'city', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 'open', NULL, ?, ?, ?)",
        vals![
            id,
            new.region.padded(),
            new.kind.code(),
            new.kind_name.clone(),
            new.for_person,
            new.year,
            new.title.clone(),
            t.nominate_from,
            t.nominate_to,
            t.review_from,
            t.review_to,
            t.vote.map(|v| v.0),
            t.vote.map(|v| v.1),
            new.vote_weight,
            t.notice_from,
            t.notice_days,
            new.created_by,
            now_ms,
            now_ms
        ],
    )
    .await?;
    for (county, quota) in &new.quotas {
        sql::write(
            &w.tx,
            "INSERT INTO award_quotas (campaign, county, quota, town_used, county_used, city_used) VALUES (?, ?, ?, 0, 0, 0)",
            vals![id, county.padded(), *quota],
            "名额中同一县(区)出现了两次",
        )
        .await?;
    }
    w.deltas.add(metric::AWARD_CAMPAIGNS, &new.region, new.created_on, 1);
    Ok(id)
}

/// Takes one of `level`'s places for `county`: false (nothing changed) when they are all used
/// or the county has no places. A single conditional UPDATE, so concurrent approvals can never
/// exceed the quota on either engine.
pub async fn take_place(w: &Work, campaign: i64, county: &RegionCode, level: Level) -> Result<bool> {
    let col = used_column(level)?;
    let n = sql::exec(
        &w.tx,
        &format!("UPDATE award_quotas SET {col} = {col} + 1 WHERE campaign = ? AND county = ? AND {col} < quota"),
        vals![campaign, county.padded()],
    )
    .await?;
    Ok(n == 1)
}

/// Gives back the places a nomination held at `levels`.
pub async fn give_back(w: &Work, campaign: i64, county: &RegionCode, levels: &[Level]) -> Result<()> {
    for level in levels {
        let col = used_column(*level)?;
        sql::exec(
            &w.tx,
            &format!("UPDATE award_quotas SET {col} = {col} - 1 WHERE campaign = ? AND county = ? AND {col} > 0"),
            vals![campaign, county.padded()],
        )
        .await?;
    }
    Ok(())
}

fn used_column(level: Level) -> Result<&'static str> {
    match level {
        Level::Town => Ok("town_used"),
        Level::County => Ok("county_used"),
        Level::City => Ok("city_used"),
        other => Err(StoreError::Other(format!("no review at level {other:?}"))),
    }
}

/// Publishes the list: the notice runs `start..=end`. False when the campaign was not open (a
/// second publication racing the first).
pub async fn publish(w: &Work, id: i64, start: NaiveDate, end: NaiveDate, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE award_campaigns SET status = 'notice', notice_start = ?, notice_end = ?, updated_at = ? WHERE id = ? AND status = 'open'",
        vals![start, end, now_ms, id],
    )
    .await?;
    Ok(n == 1)
}

/// Marks the campaign finalised; false when it was not on notice.
pub async fn finalise(w: &Work, id: i64, day: NaiveDate, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE award_campaigns SET status = 'finalised', finalised_on = ?, updated_at = ? WHERE id = ? AND status = 'notice'",
        vals![day, now_ms, id],
    )
    .await?;
    Ok(n == 1)
}

/// The county a region lies in (a village's, a town's, or the county itself).
pub fn county_of(region: &RegionCode) -> Option<RegionCode> {
    region.lineage().into_iter().find(|c| c.level() == Level::County)
}

/// A family of the register, as the awards need it.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyRef {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub name: String,
}

pub async fn family<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<FamilyRef>> {
    let row = sql::one(
        c,
        "SELECT f.id, f.region, r.name AS region_name, f.name FROM families f JOIN regions r ON r.code = f.region WHERE f.id = ?",
        vals![id],
    )
    .await?;
    row.as_ref()
        .map(|r| {
            Ok(FamilyRef {
                id: sql::get(r, "id")?,
                region: region_of_row(r, "region")?,
                region_name: sql::get(r, "region_name")?,
                name: sql::get(r, "name")?,
            })
        })
        .transpose()
}

/// The family a person currently belongs to.
pub async fn family_of_person<C: ConnectionTrait>(c: &C, person: i64) -> Result<Option<i64>> {
    let row = sql::one(c, "SELECT family FROM family_members WHERE person = ? AND left_on IS NULL", vals![person]).await?;
    row.as_ref().map(|r| sql::get(r, "family")).transpose()
}

/// Whether `person` is a current member of `family`, and her name.
pub async fn member_name<C: ConnectionTrait>(c: &C, family: i64, person: i64) -> Result<Option<String>> {
    let row = sql::one(
        c,
        "SELECT p.name FROM family_members m JOIN people p ON p.id = m.person WHERE m.family = ? AND m.person = ? AND m.left_on IS NULL",
        vals![family, person],
    )
    .await?;
    row.as_ref().map(|r| sql::get(r, "name")).transpose()
}

/// Families in scope (by name), for choosing a nominee or the families of a roadshow: at most
/// `limit`, optionally only those whose name contains `q`.
pub async fn families_in_scope<C: ConnectionTrait>(c: &C, scope: &crate::Scope, q: Option<&str>, limit: u64) -> Result<Vec<FamilyRef>> {
    let (low, high) = scope.bounds();
    let mut text = String::from(
        "SELECT f.id, f.region, r.name AS region_name, f.name FROM families f JOIN regions r ON r.code = f.region WHERE f.region BETWEEN ? AND ?",
    );
    let mut values = vals![low, high];
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        text.push_str(" AND f.name LIKE ?");
        values.push(format!("%{}%", q.replace(['%', '_'], "")).into());
    }
    text.push_str(" ORDER BY f.region, f.name, f.id LIMIT ?");
    values.push((limit as i64).into());
    let rows = sql::all(c, &text, values).await?;
    rows.iter()
        .map(|r| {
            Ok(FamilyRef {
                id: sql::get(r, "id")?,
                region: region_of_row(r, "region")?,
                region_name: sql::get(r, "region_name")?,
                name: sql::get(r, "name")?,
            })
        })
        .collect()
}

/// For the demo only: women of the register in `scope` who belong to no family yet, one per
/// village at most, the first by id; `(person, village, name)`.
pub async fn demo_heads<C: ConnectionTrait>(c: &C, scope: &crate::Scope, limit: u64) -> Result<Vec<(i64, RegionCode, String)>> {
    let (low, high) = scope.bounds();
    let rows = sql::all(
        c,
        "SELECT MIN(p.id) AS id FROM people p WHERE p.region BETWEEN ? AND ? AND p.sex = 'female' \
         AND NOT EXISTS (SELECT 1 FROM family_members m WHERE m.person = p.id AND m.left_on IS NULL) GROUP BY p.region ORDER BY p.region LIMIT ?",
        vals![low, high, limit as i64],
    )
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = sql::get(&r, "id")?;
        if let Some(p) = sql::one(c, "SELECT id, region, name FROM people WHERE id = ?", vals![id]).await? {
            out.push((id, region_of_row(&p, "region")?, sql::get(&p, "name")?));
        }
    }
    Ok(out)
}

/// For the demo only: a household of one (its head), when no family module seeded families.
pub async fn demo_family(w: &mut Work, region: &RegionCode, name: &str, head: i64, joined_on: NaiveDate, now_ms: i64) -> Result<i64> {
    let id = next_id();
    // Created on the day she joined (as a family registered that day would be), and counted in
    // the roll-ups as `families::insert` counts one, so the figure can be traced to it.
    let created_at = crate::trace::china_day_start_ms(joined_on) + 9 * 3_600_000;
    sql::exec(
        &w.tx,
        "INSERT INTO families (id, region, name, head, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?)",
        vals![id, region.padded(), name.to_owned(), head, created_at, now_ms],
    )
    .await?;
    w.deltas.add(metric::FAMILIES, region, joined_on, 1);
    sql::exec(
        &w.tx,
        "INSERT INTO family_members (id, family, person, region, relation, joined_on, left_on, created_at) VALUES (?, ?, ?, ?, 'head', ?, NULL, ?)",
        vals![next_id(), id, head, region.padded(), joined_on, now_ms],
    )
    .await?;
    Ok(id)
}

/// The head of a family, if recorded.
pub async fn head_of<C: ConnectionTrait>(c: &C, family: i64) -> Result<Option<i64>> {
    let row = sql::one(c, "SELECT head FROM families WHERE id = ?", vals![family]).await?;
    Ok(row.as_ref().map(|r| sql::get::<Option<i64>>(r, "head")).transpose()?.flatten())
}
