//! The family points ledger (家风积分制): append-only entries, each with a kind and a reason,
//! and the balance moved in the same transaction by a conditional update that refuses to take
//! it below zero. Also the city's rules (behaviours that cost points), the points an activity
//! gives for verified participation, and expiry.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::family::EntryKind;
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::rollup::Deltas;
use crate::{Result, Scope, Work, sql, vals};

/// A family as the ledger needs it.
#[derive(Debug, Clone)]
pub struct Holder {
    pub family: i64,
    pub region: RegionCode,
}

/// What an entry points at besides the family.
#[derive(Debug, Clone, Copy, Default)]
pub struct Refs {
    pub rule: Option<i64>,
    pub activity: Option<i64>,
    pub redemption: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Signed: negative entries must find the balance to cover them.
    pub points: i64,
    pub kind: EntryKind,
    pub reason: String,
    pub refs: Refs,
    pub day: NaiveDate,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub family: i64,
    pub points: i64,
    pub kind: EntryKind,
    pub reason: String,
    pub rule: Option<i64>,
    pub activity: Option<i64>,
    pub redemption: Option<i64>,
    pub entry_day: NaiveDate,
    pub created_at: i64,
}

/// A debit the balance could not cover: nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insufficient {
    pub balance: i64,
}

/// Appends an entry and moves the balance. A debit beyond the balance is refused with the
/// balance found (the caller rolls back whatever else it wrote).
pub async fn append(w: &mut Work, h: &Holder, e: &NewEntry, now_ms: i64) -> Result<Result<i64, Insufficient>> {
    let moved = sql::exec(
        &w.tx,
        "UPDATE family_balances SET balance = balance + ?, updated_at = ? WHERE family = ? AND balance + ? >= 0",
        vals![e.points, now_ms, h.family, e.points],
    )
    .await?;
    if moved == 0 {
        let balance: i64 = sql::one(&w.tx, "SELECT balance FROM family_balances WHERE family = ?", vals![h.family])
            .await?
            .map_or(Ok(0), |r| sql::get(&r, "balance"))?;
        return Ok(Err(Insufficient { balance }));
    }
    // The balance row is locked now, so this reads every earlier entry of the family.
    let first = sql::one(&w.tx, "SELECT id FROM points_entries WHERE family = ? LIMIT 1", vals![h.family]).await?.is_none();
    let id = next_id();
    sql::write(
        &w.tx,
        "INSERT INTO points_entries (id, family, region, points, kind, reason, rule, activity, redemption, entry_day, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![
            id,
            h.family,
            h.region.padded(),
            e.points,
            e.kind.code(),
            e.reason.clone(),
            e.refs.rule,
            e.refs.activity,
            e.refs.redemption,
            e.day,
            e.created_by,
            now_ms
        ],
        "该家庭已因这次活动获得过积分",
    )
    .await?;
    add_deltas(&mut w.deltas, &h.region, e.kind, e.points, e.day, first);
    Ok(Ok(id))
}

/// The roll-up deltas of one entry.
pub fn add_deltas(deltas: &mut Deltas, region: &RegionCode, kind: EntryKind, points: i64, day: NaiveDate, first: bool) {
    match kind {
        EntryKind::Earn => deltas.add(metric::POINTS_ISSUED, region, day, points),
        EntryKind::Adjust if points > 0 => deltas.add(metric::POINTS_ISSUED, region, day, points),
        EntryKind::Deduct | EntryKind::Adjust => deltas.add(metric::POINTS_DEDUCTED, region, day, -points),
        EntryKind::Redeem | EntryKind::Refund => deltas.add(metric::POINTS_REDEEMED, region, day, -points),
        EntryKind::Expire => deltas.add(metric::POINTS_EXPIRED, region, day, -points),
    }
    if first {
        deltas.add(metric::POINTS_FAMILIES, region, day, 1);
    }
}

const ENTRY_SELECT: &str = "SELECT id, family, points, kind, reason, rule, activity, redemption, entry_day, created_at FROM points_entries";

fn entry_from_row(r: &QueryResult) -> Result<Entry> {
    let kind: String = sql::get(r, "kind")?;
    Ok(Entry {
        id: sql::get(r, "id")?,
        family: sql::get(r, "family")?,
        points: sql::get(r, "points")?,
        kind: EntryKind::from_code(&kind).unwrap_or(EntryKind::Adjust),
        reason: sql::get(r, "reason")?,
        rule: sql::get(r, "rule")?,
        activity: sql::get(r, "activity")?,
        redemption: sql::get(r, "redemption")?,
        entry_day: sql::get(r, "entry_day")?,
        created_at: sql::get(r, "created_at")?,
    })
}

/// The latest entries of a family, newest first.
pub async fn entries<C: ConnectionTrait>(c: &C, family: i64, limit: u64) -> Result<Vec<Entry>> {
    let rows = sql::all(c, &format!("{ENTRY_SELECT} WHERE family = ? ORDER BY id DESC LIMIT ?"), vals![family, limit as i64]).await?;
    rows.iter().map(entry_from_row).collect()
}

pub async fn entry<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Entry>> {
    let row = sql::one(c, &format!("{ENTRY_SELECT} WHERE id = ?"), vals![id]).await?;
    row.as_ref().map(entry_from_row).transpose()
}

/// The sum of a family's entries: what its balance must equal.
pub async fn ledger_sum<C: ConnectionTrait>(c: &C, family: i64) -> Result<i64> {
    sql::scalar(c, "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_entries WHERE family = ?", vals![family]).await
}

pub async fn balance<C: ConnectionTrait>(c: &C, family: i64) -> Result<i64> {
    let row = sql::one(c, "SELECT balance FROM family_balances WHERE family = ?", vals![family]).await?;
    row.map_or(Ok(0), |r| sql::get(&r, "balance"))
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: i64,
    pub region: RegionCode,
    /// deduct | earn
    pub kind: String,
    pub name: String,
    pub points: i64,
    pub active: bool,
}

fn rule_from_row(r: &QueryResult) -> Result<Rule> {
    Ok(Rule {
        id: sql::get(r, "id")?,
        region: region_of_row(r, "region")?,
        kind: sql::get(r, "kind")?,
        name: sql::get(r, "name")?,
        points: sql::get(r, "points")?,
        active: sql::get(r, "active")?,
    })
}

/// The rules that apply in `region`: those kept by it or by any of its ancestors.
pub async fn rules_for<C: ConnectionTrait>(c: &C, region: &RegionCode) -> Result<Vec<Rule>> {
    let lineage: Vec<String> = region.lineage().iter().map(|r| r.padded()).collect();
    let marks = vec!["?"; lineage.len()].join(", ");
    let values: Vec<Value> = lineage.into_iter().map(Value::from).collect();
    let rows = sql::all(
        c,
        &format!("SELECT id, region, kind, name, points, active FROM points_rules WHERE region IN ({marks}) AND active = TRUE ORDER BY kind, name"),
        values,
    )
    .await?;
    rows.iter().map(rule_from_row).collect()
}

/// Every rule in scope (for the page that keeps the list).
pub async fn rules_in<C: ConnectionTrait>(c: &C, scope: &Scope) -> Result<Vec<Rule>> {
    let (low, high) = scope.bounds();
    let rows = sql::all(
        c,
        "SELECT id, region, kind, name, points, active FROM points_rules WHERE region BETWEEN ? AND ? ORDER BY kind, name",
        vals![low, high],
    )
    .await?;
    rows.iter().map(rule_from_row).collect()
}

pub async fn rule<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Rule>> {
    let row = sql::one(c, "SELECT id, region, kind, name, points, active FROM points_rules WHERE id = ?", vals![id]).await?;
    row.as_ref().map(rule_from_row).transpose()
}

pub async fn insert_rule(
    w: &mut Work,
    region: &RegionCode,
    kind: &str,
    name: &str,
    points: i64,
    by: Option<i64>,
    now_ms: i64,
) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO points_rules (id, region, kind, name, points, active, created_by, created_at) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?)",
        vals![id, region.padded(), kind.to_owned(), name.to_owned(), points, by, now_ms],
    )
    .await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Activities: points for verified participation
// ---------------------------------------------------------------------------------------------

pub async fn activity_points<C: ConnectionTrait>(c: &C, activity: i64) -> Result<Option<i64>> {
    let row = sql::one(c, "SELECT points FROM activity_points WHERE activity = ?", vals![activity]).await?;
    row.map(|r| sql::get(&r, "points")).transpose()
}

/// Sets (or changes) the points an activity gives each family that took part.
pub async fn set_activity_points(
    w: &mut Work,
    activity: i64,
    region: &RegionCode,
    points: i64,
    by: Option<i64>,
    now_ms: i64,
) -> Result<()> {
    sql::exec(
        &w.tx,
        "INSERT INTO activity_points (activity, region, points, created_by, created_at) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (activity) DO UPDATE SET points = excluded.points",
        vals![activity, region.padded(), points, by, now_ms],
    )
    .await?;
    Ok(())
}

/// After attendance of `people` at an activity is confirmed: each family any of them belongs
/// to earns the activity's points once (a family already credited for it is skipped). Returns
/// the families credited.
pub async fn earn_for_attendance(
    w: &mut Work,
    activity: i64,
    title: &str,
    held_on: NaiveDate,
    people: &[i64],
    by: Option<i64>,
    now_ms: i64,
) -> Result<Vec<i64>> {
    let Some(points) = activity_points(&w.tx, activity).await? else { return Ok(Vec::new()) };
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; people.len()].join(", ");
    let mut values: Vec<Value> = people.iter().map(|p| Value::from(*p)).collect();
    values.push(activity.into());
    let rows = sql::all(
        &w.tx,
        &format!(
            "SELECT DISTINCT f.id, f.region FROM family_members m JOIN families f ON f.id = m.family \
             WHERE m.person IN ({marks}) AND m.left_on IS NULL \
             AND NOT EXISTS (SELECT 1 FROM points_entries e WHERE e.family = f.id AND e.activity = ?) ORDER BY f.id"
        ),
        values,
    )
    .await?;
    let mut credited = Vec::new();
    for r in &rows {
        let h = Holder { family: sql::get(r, "id")?, region: region_of_row(r, "region")? };
        let e = NewEntry {
            points,
            kind: EntryKind::Earn,
            reason: format!("参加活动：{title}"),
            refs: Refs { activity: Some(activity), ..Refs::default() },
            day: held_on,
            created_by: by,
        };
        if append(w, &h, &e, now_ms).await?.is_ok() {
            credited.push(h.family);
        }
    }
    Ok(credited)
}

// ---------------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------------

/// Expires, for every family in scope with a balance, the points it earned before `cutoff` that
/// it has not spent since (first in, first out): earned-before-cutoff minus everything debited
/// so far (deductions, redemptions net of refunds, negative adjustments, earlier expiries),
/// never more than the balance. Running it again the same day expires nothing more. Returns
/// (families, points) expired.
pub async fn expire(w: &mut Work, scope: &Scope, cutoff: NaiveDate, today: NaiveDate, months: u32, now_ms: i64) -> Result<(i64, i64)> {
    let (low, high) = scope.bounds();
    let rows = sql::all(
        &w.tx,
        "SELECT b.family, b.region, b.balance, \
           CAST(COALESCE((SELECT SUM(e.points) FROM points_entries e WHERE e.family = b.family AND e.points > 0 \
              AND e.kind IN ('earn', 'adjust') AND e.entry_day < ?), 0) AS BIGINT) AS old_credit, \
           CAST(COALESCE((SELECT SUM(e.points) FROM points_entries e WHERE e.family = b.family AND (e.points < 0 OR e.kind = 'refund')), 0) AS BIGINT) AS debits \
         FROM family_balances b WHERE b.region BETWEEN ? AND ? AND b.balance > 0",
        vals![cutoff, low, high],
    )
    .await?;
    let (mut families, mut points) = (0, 0);
    for r in &rows {
        let balance: i64 = sql::get(r, "balance")?;
        let old: i64 = sql::get(r, "old_credit")?;
        let debits: i64 = sql::get(r, "debits")?; // negative (refunds positive)
        let due = (old + debits).min(balance);
        if due <= 0 {
            continue;
        }
        let h = Holder { family: sql::get(r, "family")?, region: region_of_row(r, "region")? };
        let e = NewEntry {
            points: -due,
            kind: EntryKind::Expire,
            reason: format!("积分有效期 {months} 个月，{cutoff} 之前获得的积分到期"),
            refs: Refs::default(),
            day: today,
            created_by: None,
        };
        if append(w, &h, &e, now_ms).await?.is_ok() {
            families += 1;
            points += due;
        }
    }
    Ok((families, points))
}
