//! Two-cancer screening (两癌筛查): records, the statistical-year rule, follow-ups of abnormal
//! results, and the women eligible (35–64) for coverage.

use chrono::{Datelike, Months, NaiveDate};
use jinguo_domain::RegionCode;
use jinguo_domain::insight::metric;
use jinguo_domain::people::{ScreeningKind, ScreeningResult};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, Work, rollup, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Screening {
    pub id: i64,
    pub person: i64,
    pub person_name: String,
    pub region: RegionCode,
    pub kind: ScreeningKind,
    pub screened_on: NaiveDate,
    pub stat_year: i64,
    pub site: String,
    pub result: ScreeningResult,
    pub repeat_in_year: bool,
    pub follow_up_on: Option<NaiveDate>,
    pub diagnosis: String,
}

const SELECT: &str = "SELECT s.id, s.person, p.name AS person_name, s.region, s.kind, s.screened_on, s.stat_year, s.site, s.result, \
     s.repeat_in_year, s.follow_up_on, s.diagnosis FROM screenings s JOIN people p ON p.id = s.person";

fn from_row(row: &QueryResult) -> Result<Screening> {
    let kind: String = sql::get(row, "kind")?;
    let result: String = sql::get(row, "result")?;
    Ok(Screening {
        id: sql::get(row, "id")?,
        person: sql::get(row, "person")?,
        person_name: sql::get(row, "person_name")?,
        region: region_of_row(row, "region")?,
        kind: ScreeningKind::parse(&kind).unwrap_or(ScreeningKind::Cervical),
        screened_on: sql::get(row, "screened_on")?,
        stat_year: sql::get(row, "stat_year")?,
        site: sql::get(row, "site")?,
        result: ScreeningResult::parse(&result).unwrap_or(ScreeningResult::Normal),
        repeat_in_year: sql::get(row, "repeat_in_year")?,
        follow_up_on: sql::get(row, "follow_up_on")?,
        diagnosis: sql::get(row, "diagnosis")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Screening>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE s.id = ? AND s.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug, Clone)]
pub struct NewScreening {
    pub person: i64,
    pub region: RegionCode,
    pub kind: ScreeningKind,
    pub screened_on: NaiveDate,
    pub stat_year: i64,
    pub site: String,
    pub result: ScreeningResult,
    pub created_by: Option<i64>,
}

/// Records a screening. Inside the caller's transaction it checks whether she was already
/// screened for this cancer (and at all) in the statistical year: a repeat is flagged and not
/// counted again. Returns the id and whether it was a repeat.
pub async fn insert(w: &mut Work, new: &NewScreening, now_ms: i64) -> Result<(i64, bool)> {
    let same_kind: i64 = sql::scalar(
        &w.tx,
        "SELECT COUNT(*) FROM screenings WHERE person = ? AND kind = ? AND stat_year = ?",
        vals![new.person, new.kind.code(), new.stat_year],
    )
    .await?;
    let any_kind: i64 =
        sql::scalar(&w.tx, "SELECT COUNT(*) FROM screenings WHERE person = ? AND stat_year = ?", vals![new.person, new.stat_year]).await?;
    let repeat = same_kind > 0;
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO screenings (id, person, region, kind, screened_on, stat_year, site, result, repeat_in_year, follow_up_on, diagnosis, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?, ?)",
        vals![id, new.person, new.region.padded(), new.kind.code(), new.screened_on, new.stat_year, new.site.clone(), new.result.code(), repeat, new.created_by, now_ms, now_ms],
    )
    .await?;
    if !repeat {
        w.deltas.add(&format!("{}.{}", metric::HEALTH_SCREENINGS, new.kind.code()), &new.region, new.screened_on, 1);
        if new.result.needs_follow_up() {
            w.deltas.add(metric::HEALTH_ABNORMAL, &new.region, new.screened_on, 1);
        }
    }
    if any_kind == 0 {
        w.deltas.add(metric::HEALTH_WOMEN_SCREENED, &new.region, new.screened_on, 1);
    }
    Ok((id, repeat))
}

/// Whether she already has a screening of `kind` recorded on `day` (an import run twice).
pub async fn recorded_on<C: ConnectionTrait>(c: &C, person: i64, kind: ScreeningKind, day: NaiveDate) -> Result<bool> {
    let n: i64 = sql::scalar(
        c,
        "SELECT COUNT(*) FROM screenings WHERE person = ? AND kind = ? AND screened_on = ?",
        vals![person, kind.code(), day],
    )
    .await?;
    Ok(n > 0)
}

/// Records the follow-up of an abnormal or suspected result.
pub async fn record_follow_up(w: &mut Work, s: &Screening, day: NaiveDate, diagnosis: &str, now_ms: i64) -> Result<()> {
    sql::exec(
        &w.tx,
        "UPDATE screenings SET follow_up_on = ?, diagnosis = ?, updated_at = ? WHERE id = ?",
        vals![day, diagnosis.to_owned(), now_ms, s.id],
    )
    .await?;
    if s.follow_up_on.is_none() && !s.repeat_in_year {
        w.deltas.add(metric::HEALTH_FOLLOWED_UP, &s.region, day, 1);
    }
    Ok(())
}

/// Screenings in scope, newest first (cursor `screened_on.id`).
pub async fn list<C: ConnectionTrait>(
    c: &C,
    scope: &Scope,
    kind: Option<ScreeningKind>,
    result: Option<ScreeningResult>,
    stat_year: Option<i64>,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<Screening>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE s.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    if let Some(k) = kind {
        cond.push_str(" AND s.kind = ?");
        values.push(k.code().into());
    }
    if let Some(r) = result {
        cond.push_str(" AND s.result = ?");
        values.push(r.code().into());
    }
    if let Some(y) = stat_year {
        cond.push_str(" AND s.stat_year = ?");
        values.push(y.into());
    }
    page(c, cond, values, "s.screened_on DESC, s.id DESC", after, limit, true).await
}

/// Abnormal or suspected results with no follow-up, screened before `before` (30 days ago):
/// the oldest first.
pub async fn overdue_follow_ups<C: ConnectionTrait>(
    c: &C,
    scope: &Scope,
    before: NaiveDate,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<Screening>> {
    let (low, high) = scope.bounds();
    let cond = String::from(" WHERE s.follow_up_on IS NULL AND s.result <> 'normal' AND s.screened_on < ? AND s.region BETWEEN ? AND ?");
    page(c, cond, vals![before, low, high], "s.screened_on, s.id", after, limit, false).await
}

async fn page<C: ConnectionTrait>(
    c: &C,
    mut cond: String,
    mut values: Vec<Value>,
    order: &str,
    after: Option<&str>,
    limit: u64,
    descending: bool,
) -> Result<Page<Screening>> {
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM screenings s{cond}"), values.clone()).await?;
    if let Some((day, id)) = after.and_then(|s| {
        let (d, i) = s.split_once('.')?;
        Some((jinguo_domain::insight::parse_date(d)?, i.parse::<i64>().ok()?))
    }) {
        let op = if descending { "<" } else { ">" };
        cond.push_str(&format!(" AND (s.screened_on {op} ? OR (s.screened_on = ? AND s.id {op} ?))"));
        values.extend([day.into(), day.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY {order} LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|s| format!("{}.{}", s.screened_on, s.id))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

/// Women on the register in `region`'s subtree aged 35–64 on `day`: the denominator of coverage.
///
/// Whole birth months come from the birth-month roll-up (`people.women.born`, a few bucket
/// ranges whatever the size of the register); the two part months at the ends of the range are
/// counted from the register through the partial index of women by birth date (a few thousand
/// rows at city scale). [`eligible_women_scan`] counts the same from the register alone.
pub async fn eligible_women<C: ConnectionTrait>(c: &C, region: &RegionCode, day: NaiveDate) -> Result<i64> {
    let Some((first, last)) = eligible_births(day) else { return Ok(0) };
    // Whole months inside first..=last: from the first day of a month to the last of one.
    let whole_from = if first.day() == 1 { Some(first) } else { first.checked_add_months(Months::new(1)).and_then(|d| d.with_day(1)) };
    let whole_to = match last.succ_opt() {
        Some(next) if next.day() == 1 => Some(last),
        _ => last.with_day(1).and_then(|d| d.pred_opt()),
    };
    let (low, high) = region.subtree_range();
    let count_days = |from: NaiveDate, to: NaiveDate| {
        let (low, high) = (low.clone(), high.clone());
        async move {
            if from > to {
                return Ok(0);
            }
            sql::scalar::<_, i64>(
                c,
                "SELECT COUNT(*) FROM people WHERE sex = 'female' AND birth_date BETWEEN ? AND ? AND region BETWEEN ? AND ?",
                vals![from, to, low, high],
            )
            .await
        }
    };
    match (whole_from, whole_to) {
        (Some(wf), Some(wt)) if wf <= wt => {
            let metric = metric::WOMEN_BY_BIRTH_MONTH;
            let whole = rollup::sums(c, region, &[(metric, rollup::Read::Flow)], wf, wt).await?;
            // The part months at the ends (empty ranges count 0).
            let head = match wf.pred_opt() {
                Some(before) => count_days(first, before).await?,
                None => 0,
            };
            let tail = match wt.succ_opt() {
                Some(after) => count_days(after, last).await?,
                None => 0,
            };
            Ok(whole.get(metric).copied().unwrap_or(0) + head + tail)
        }
        _ => count_days(first, last).await,
    }
}

/// The birth dates of women aged 35–64 on `day`: born after `day` − 65 years and on or before
/// `day` − 35 years, as an inclusive range.
fn eligible_births(day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let years_before =
        |n: i32| NaiveDate::from_ymd_opt(day.year() - n, day.month(), day.day()).or_else(|| NaiveDate::from_ymd_opt(day.year() - n, 2, 28));
    Some((years_before(65)?.succ_opt()?, years_before(35)?))
}

/// [`eligible_women`] counted from the register alone (a scan of the subtree's women): the
/// baseline the birth-month roll-up is checked and measured against.
pub async fn eligible_women_scan<C: ConnectionTrait>(c: &C, scope: &Scope, day: NaiveDate) -> Result<i64> {
    let Some((first, last)) = eligible_births(day) else { return Ok(0) };
    let (low, high) = scope.bounds();
    sql::scalar(
        c,
        "SELECT COUNT(*) FROM people WHERE region BETWEEN ? AND ? AND sex = 'female' AND birth_date BETWEEN ? AND ?",
        vals![low, high, first, last],
    )
    .await
}
