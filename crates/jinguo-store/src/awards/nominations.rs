//! Nominations (推荐): a family (and, for the person kinds, one of its members) put forward for a
//! campaign with a story and photos; the stage it has reached in the review; the review history.
//! Stage changes are conditional on the stage read, so two reviewers acting on one nomination
//! at once cannot both move it.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::awards::{NominationSource, Stage};
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Nomination {
    pub id: i64,
    pub campaign: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub county: RegionCode,
    pub family: i64,
    pub family_name: String,
    pub person: Option<i64>,
    pub person_name: Option<String>,
    pub source: NominationSource,
    pub nominator: String,
    pub public_account: Option<i64>,
    pub story: String,
    pub stage: Stage,
    pub return_reason: String,
    pub panel_score: Option<i64>,
    pub nominated_on: NaiveDate,
    /// Counted votes (flagged ones excluded until cleared).
    pub votes: i64,
    /// Votes flagged and waiting for an officer.
    pub flagged_votes: i64,
    pub photos: i64,
}

const SELECT: &str = "SELECT n.id, n.campaign, n.region, r.name AS region_name, n.county, n.family, f.name AS family_name, n.person, \
     p.name AS person_name, n.source, n.nominator, n.public_account, n.story, n.stage, n.return_reason, n.panel_score, n.nominated_on, \
     (SELECT COUNT(*) FROM award_votes v WHERE v.nomination = n.id AND v.status IN ('counted', 'cleared')) AS votes, \
     (SELECT COUNT(*) FROM award_votes v WHERE v.nomination = n.id AND v.status = 'flagged') AS flagged_votes, \
     (SELECT COUNT(*) FROM award_photos ph WHERE ph.nomination = n.id) AS photos \
     FROM award_nominations n JOIN families f ON f.id = n.family JOIN regions r ON r.code = n.region LEFT JOIN people p ON p.id = n.person";

fn from_row(row: &QueryResult) -> Result<Nomination> {
    let source: String = sql::get(row, "source")?;
    let stage: String = sql::get(row, "stage")?;
    Ok(Nomination {
        id: sql::get(row, "id")?,
        campaign: sql::get(row, "campaign")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        county: region_of_row(row, "county")?,
        family: sql::get(row, "family")?,
        family_name: sql::get(row, "family_name")?,
        person: sql::get(row, "person")?,
        person_name: sql::get(row, "person_name")?,
        source: NominationSource::parse(&source).unwrap_or(NominationSource::Federation),
        nominator: sql::get(row, "nominator")?,
        public_account: sql::get(row, "public_account")?,
        story: sql::get(row, "story")?,
        stage: Stage::parse(&stage).unwrap_or(Stage::Submitted),
        return_reason: sql::get(row, "return_reason")?,
        panel_score: sql::get(row, "panel_score")?,
        nominated_on: sql::get(row, "nominated_on")?,
        votes: sql::get(row, "votes")?,
        flagged_votes: sql::get(row, "flagged_votes")?,
        photos: sql::get(row, "photos")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Nomination>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE n.id = ? AND n.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub stage: Option<Stage>,
    pub family: Option<i64>,
}

/// A campaign's nominations in scope, by region then id.
pub async fn list<C: ConnectionTrait>(
    c: &C,
    scope: &Scope,
    campaign: i64,
    filter: Filter,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<Nomination>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE n.campaign = ? AND n.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![campaign, low, high];
    if let Some(s) = filter.stage {
        cond.push_str(" AND n.stage = ?");
        values.push(s.code().into());
    }
    if let Some(f) = filter.family {
        cond.push_str(" AND n.family = ?");
        values.push(f.into());
    }
    let listing =
        crate::help::Listing { select: SELECT, from: "award_nominations n", alias: "n", from_row, key: |x| (x.region.padded(), x.id) };
    crate::help::page_by_region(c, &listing, cond, values, after, limit).await
}

/// Every nomination of a campaign at `stage` (the notice list, the finalisation): a campaign
/// has at most a few hundred.
pub async fn at_stage<C: ConnectionTrait>(c: &C, campaign: i64, stage: Stage) -> Result<Vec<Nomination>> {
    let rows =
        sql::all(c, &format!("{SELECT} WHERE n.campaign = ? AND n.stage = ? ORDER BY n.region, n.id"), vals![campaign, stage.code()])
            .await?;
    rows.iter().map(from_row).collect()
}

/// How many nominations of a campaign stand at each stage.
pub async fn stage_counts<C: ConnectionTrait>(c: &C, scope: &Scope, campaign: i64) -> Result<Vec<(Stage, i64)>> {
    let (low, high) = scope.bounds();
    let rows = sql::all(
        c,
        "SELECT stage, COUNT(*) AS n FROM award_nominations WHERE campaign = ? AND region BETWEEN ? AND ? GROUP BY stage",
        vals![campaign, low, high],
    )
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let s: String = sql::get(&r, "stage")?;
        if let Some(stage) = Stage::parse(&s) {
            out.push((stage, sql::get(&r, "n")?));
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct NewNomination {
    pub campaign: i64,
    pub region: RegionCode,
    pub county: RegionCode,
    pub family: i64,
    pub person: Option<i64>,
    pub source: NominationSource,
    pub nominator: String,
    pub public_account: Option<i64>,
    pub story: String,
    pub nominated_on: NaiveDate,
    pub created_by: Option<i64>,
}

/// Records a nomination; a second open nomination of the family in the campaign is a conflict.
pub async fn insert(w: &mut Work, new: &NewNomination, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO award_nominations (id, campaign, region, county, family, person, source, nominator, public_account, story, stage, \
         return_reason, panel_score, nominated_on, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', '', NULL, ?, ?, ?, ?)",
        vals![
            id,
            new.campaign,
            new.region.padded(),
            new.county.padded(),
            new.family,
            new.person,
            new.source.code(),
            new.nominator.clone(),
            new.public_account,
            new.story.clone(),
            new.nominated_on,
            new.created_by,
            now_ms,
            now_ms
        ],
        "该家庭已在本次评选中被推荐",
    )
    .await?;
    w.deltas.add(metric::AWARD_NOMINATIONS, &new.region, new.nominated_on, 1);
    Ok(id)
}

/// Moves a nomination from `from` to `to` (with a reason when sent back): false when it was no
/// longer at `from`.
pub async fn move_stage(w: &Work, id: i64, from: Stage, to: Stage, reason: &str, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE award_nominations SET stage = ?, return_reason = ?, updated_at = ? WHERE id = ? AND stage = ?",
        vals![to.code(), reason.to_owned(), now_ms, id, from.code()],
    )
    .await?;
    Ok(n == 1)
}

/// A returned nomination comes back with a new story: submitted again.
pub async fn resubmit(w: &Work, id: i64, story: &str, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE award_nominations SET stage = 'submitted', story = ?, return_reason = '', updated_at = ? WHERE id = ? AND stage = 'returned'",
        vals![story.to_owned(), now_ms, id],
    )
    .await?;
    Ok(n == 1)
}

pub async fn set_panel_score(w: &Work, id: i64, score: i64, now_ms: i64) -> Result<()> {
    sql::exec(&w.tx, "UPDATE award_nominations SET panel_score = ?, updated_at = ? WHERE id = ?", vals![score, now_ms, id]).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub level: String,
    pub decision: String,
    pub reason: String,
    pub reviewer_name: String,
    pub at_ms: i64,
}

pub async fn add_review(
    w: &Work,
    nomination: i64,
    level: &str,
    decision: &str,
    reason: &str,
    reviewer: (Option<i64>, &str),
    at_ms: i64,
) -> Result<()> {
    sql::exec(
        &w.tx,
        "INSERT INTO award_reviews (id, nomination, level, decision, reason, reviewer, reviewer_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vals![next_id(), nomination, level.to_owned(), decision.to_owned(), reason.to_owned(), reviewer.0, reviewer.1.to_owned(), at_ms],
    )
    .await?;
    Ok(())
}

pub async fn reviews<C: ConnectionTrait>(c: &C, nomination: i64) -> Result<Vec<Review>> {
    let rows = sql::all(
        c,
        "SELECT level, decision, reason, reviewer_name, at FROM award_reviews WHERE nomination = ? ORDER BY at, id",
        vals![nomination],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Review {
                level: sql::get(r, "level")?,
                decision: sql::get(r, "decision")?,
                reason: sql::get(r, "reason")?,
                reviewer_name: sql::get(r, "reviewer_name")?,
                at_ms: sql::get(r, "at")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Photo {
    pub id: i64,
    pub nomination: i64,
    /// The path under the data dir.
    pub file: String,
    pub mime: String,
    pub bytes: i64,
}

pub async fn add_photo(w: &Work, nomination: i64, file: &str, mime: &str, bytes: i64, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO award_photos (id, nomination, file, mime, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        vals![id, nomination, file.to_owned(), mime.to_owned(), bytes, now_ms],
    )
    .await?;
    Ok(id)
}

fn photo_from_row(r: &QueryResult) -> Result<Photo> {
    Ok(Photo {
        id: sql::get(r, "id")?,
        nomination: sql::get(r, "nomination")?,
        file: sql::get(r, "file")?,
        mime: sql::get(r, "mime")?,
        bytes: sql::get(r, "bytes")?,
    })
}

pub async fn photos<C: ConnectionTrait>(c: &C, nomination: i64) -> Result<Vec<Photo>> {
    let rows =
        sql::all(c, "SELECT id, nomination, file, mime, bytes FROM award_photos WHERE nomination = ? ORDER BY id", vals![nomination])
            .await?;
    rows.iter().map(photo_from_row).collect()
}

pub async fn photo<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Photo>> {
    let row = sql::one(c, "SELECT id, nomination, file, mime, bytes FROM award_photos WHERE id = ?", vals![id]).await?;
    row.as_ref().map(photo_from_row).transpose()
}

/// Where a nomination lies, whatever the caller's scope (to tell "not found" from "forbidden").
pub async fn region_of<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<RegionCode>> {
    let row = sql::one(c, "SELECT region FROM award_nominations WHERE id = ?", vals![id]).await?;
    row.as_ref().map(|r| region_of_row(r, "region")).transpose()
}
