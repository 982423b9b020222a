//! Roll-ups (DESIGN.md principle 5): per (metric, region, bucket) deltas written in the same
//! transaction as the record, for the record's region and each of its ancestors, in three tiers
//! (year, month, day). A period is read as a handful of bucket ranges, so a figure for the whole
//! city reads a few dozen rows whatever the number of villages or records below.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use jinguo_domain::RegionCode;
use sea_orm::{ConnectionTrait, Value};

use crate::{Result, sql};

const TIER_YEAR: i64 = 0;
const TIER_MONTH: i64 = 1;
const TIER_DAY: i64 = 2;

/// The day before anything the federation records; stocks are flows from here.
pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1949, 10, 1).unwrap_or_default()
}

/// Deltas collected before they are written: many events of one transaction (or one bulk job)
/// add up in memory and go out as one upsert per bucket.
#[derive(Debug, Default)]
pub struct Deltas {
    map: HashMap<(String, String, i64, i64), i64>,
}

impl Deltas {
    pub fn new() -> Deltas {
        Deltas::default()
    }

    /// Records `delta` of `metric` on `day` in `region` and all its ancestors.
    pub fn add(&mut self, metric: &str, region: &RegionCode, day: NaiveDate, delta: i64) {
        if delta == 0 {
            return;
        }
        let buckets = [
            (TIER_YEAR, day.year() as i64),
            (TIER_MONTH, day.year() as i64 * 100 + day.month() as i64),
            (TIER_DAY, (day.year() as i64 * 100 + day.month() as i64) * 100 + day.day() as i64),
        ];
        for code in region.lineage() {
            for (tier, bucket) in buckets {
                *self.map.entry((metric.to_owned(), code.padded(), tier, bucket)).or_insert(0) += delta;
            }
        }
    }

    /// Records `delta` of `metric` in the month of `day` (year and month tiers only, no day
    /// tier), in `region` and all its ancestors: for metrics only ever read by whole months.
    pub fn add_monthly(&mut self, metric: &str, region: &RegionCode, day: NaiveDate, delta: i64) {
        if delta == 0 {
            return;
        }
        let buckets = [(TIER_YEAR, day.year() as i64), (TIER_MONTH, day.year() as i64 * 100 + day.month() as i64)];
        for code in region.lineage() {
            for (tier, bucket) in buckets {
                *self.map.entry((metric.to_owned(), code.padded(), tier, bucket)).or_insert(0) += delta;
            }
        }
    }

    /// Records `delta` of `metric` in the month `month` (yyyymm) and its year, in exactly the
    /// region of padded code `region`, not its ancestors: for bulk jobs that have summed their
    /// counts over the ancestors themselves ([`Deltas::add_monthly`] does both).
    pub(crate) fn add_monthly_here(&mut self, metric: &str, region: &str, month: i32, delta: i64) {
        if delta == 0 {
            return;
        }
        for (tier, bucket) in [(TIER_YEAR, (month / 100) as i64), (TIER_MONTH, month as i64)] {
            *self.map.entry((metric.to_owned(), region.to_owned(), tier, bucket)).or_insert(0) += delta;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Adds another set of deltas to these (a bulk job sums the deltas of its chunks).
    pub fn merge(&mut self, other: Deltas) {
        if self.map.is_empty() {
            self.map = other.map;
            return;
        }
        for (key, delta) in other.map {
            *self.map.entry(key).or_insert(0) += delta;
        }
    }

    /// The non-zero deltas as `(metric, region, tier, bucket, delta)`, sorted by key: what a
    /// bulk writer upserts through the engine's own bulk path.
    pub fn into_sorted_rows(self) -> Vec<(String, String, i64, i64, i64)> {
        self.sorted().into_iter().map(|((m, r, t, b), v)| (m, r, t, b, v)).collect()
    }

    /// The non-zero deltas sorted by key: the upserts then walk the primary-key index in order
    /// (much faster on a big table than random order).
    fn sorted(self) -> Vec<((String, String, i64, i64), i64)> {
        let mut rows: Vec<_> = self.map.into_iter().filter(|(_, v)| *v != 0).collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        rows
    }

    /// Writes the deltas inside a transaction of the SQLite bulk path.
    pub(crate) fn write_sqlite(self, tx: &rusqlite::Transaction<'_>) -> Result<()> {
        let mut st = tx.prepare_cached(
            "INSERT INTO rollups (metric, region, tier, bucket, value) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (metric, region, tier, bucket) DO UPDATE SET value = rollups.value + excluded.value",
        )?;
        for ((metric, region, tier, bucket), delta) in self.sorted() {
            st.execute(rusqlite::params![metric, region, tier, bucket, delta])?;
        }
        Ok(())
    }

    /// Writes the deltas (inside the caller's transaction).
    pub async fn write<C: ConnectionTrait>(self, c: &C) -> Result<()> {
        let rows = self.sorted();
        for chunk in rows.chunks(150) {
            let mut text = String::from("INSERT INTO rollups (metric, region, tier, bucket, value) VALUES ");
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 5);
            for (i, ((metric, region, tier, bucket), delta)) in chunk.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str("(?, ?, ?, ?, ?)");
                values.extend([metric.clone().into(), region.clone().into(), (*tier).into(), (*bucket).into(), (*delta).into()]);
            }
            text.push_str(" ON CONFLICT (metric, region, tier, bucket) DO UPDATE SET value = rollups.value + excluded.value");
            sql::exec(c, &text, values).await?;
        }
        Ok(())
    }
}

/// The bucket ranges `(tier, low, high)` that cover the days `from..=to` exactly, using whole
/// years and months where they fit.
pub fn ranges(from: NaiveDate, to: NaiveDate) -> Vec<(i64, i64, i64)> {
    let ym = |d: NaiveDate| d.year() as i64 * 100 + d.month() as i64;
    let ymd = |d: NaiveDate| ym(d) * 100 + d.day() as i64;
    let month_end = |d: NaiveDate| {
        let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
        NaiveDate::from_ymd_opt(y, m, 1).and_then(|n| n.pred_opt()).unwrap_or(d)
    };
    let year_end = |y: i32| NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or_default();
    let mut out = Vec::new();
    let mut cursor = from;
    while cursor <= to {
        if cursor.ordinal() == 1 && year_end(cursor.year()) <= to {
            let mut last = cursor.year();
            while year_end(last + 1) <= to {
                last += 1;
            }
            out.push((TIER_YEAR, cursor.year() as i64, last as i64));
            cursor = NaiveDate::from_ymd_opt(last + 1, 1, 1).unwrap_or(to);
            if last as i64 >= to.year() as i64 {
                break;
            }
        } else if cursor.day() == 1 && month_end(cursor) <= to {
            let mut last = cursor;
            loop {
                let next = month_end(last).succ_opt().unwrap_or(last);
                if next.year() != cursor.year() || month_end(next) > to {
                    break;
                }
                last = next;
            }
            out.push((TIER_MONTH, ym(cursor), ym(last)));
            match month_end(last).succ_opt() {
                Some(next) => cursor = next,
                None => break,
            }
        } else {
            let end = month_end(cursor).min(to);
            out.push((TIER_DAY, ymd(cursor), ymd(end)));
            match end.succ_opt() {
                Some(next) => cursor = next,
                None => break,
            }
        }
    }
    out
}

/// The statement of a stock as it stands: the sum of every year's bucket of `metric` in
/// `region` (all its flows ever), a handful of rows whatever the region's size.
pub(crate) fn stock_now(metric: &str, region: &RegionCode) -> (String, Vec<Value>) {
    (
        "SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT) FROM rollups WHERE metric = ? AND region = ? AND tier = ?".to_owned(),
        vec![metric.into(), region.padded().into(), TIER_YEAR.into()],
    )
}

/// What to read: a flow over `from..=to`, or a stock at `to` (a flow from the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Flow,
    Stock,
}

/// Sums several metrics for one region in one round trip.
pub async fn sums<C: ConnectionTrait>(
    c: &C,
    region: &RegionCode,
    wanted: &[(&str, Read)],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, i64>> {
    let mut out: HashMap<String, i64> = wanted.iter().map(|(m, _)| ((*m).to_owned(), 0)).collect();
    if wanted.is_empty() || from > to {
        return Ok(out);
    }
    let flow = ranges(from, to);
    let stock = ranges(epoch(), to);
    let padded = region.padded();
    let mut text = String::new();
    let mut values: Vec<Value> = Vec::new();
    for (metric, read) in wanted {
        let rs = if *read == Read::Flow { &flow } else { &stock };
        for &(tier, low, high) in rs {
            if !text.is_empty() {
                text.push_str(" UNION ALL ");
            }
            text.push_str("SELECT ? AS metric, value FROM rollups WHERE metric = ? AND region = ? AND tier = ? AND bucket BETWEEN ? AND ?");
            values.extend([(*metric).into(), (*metric).into(), padded.clone().into(), tier.into(), low.into(), high.into()]);
        }
    }
    let text = format!("SELECT metric, CAST(SUM(value) AS BIGINT) AS total FROM ({text}) AS parts GROUP BY metric");
    for row in sql::all(c, &text, values).await? {
        let metric: String = sql::get(&row, "metric")?;
        let total: Option<i64> = sql::get(&row, "total")?;
        out.insert(metric, total.unwrap_or(0));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn days_covered(rs: &[(i64, i64, i64)]) -> i64 {
        let mut n = 0;
        for &(tier, low, high) in rs {
            match tier {
                TIER_YEAR => {
                    for y in low..=high {
                        n += if NaiveDate::from_ymd_opt(y as i32, 2, 29).is_some() { 366 } else { 365 };
                    }
                }
                TIER_MONTH => {
                    let mut m = low;
                    while m <= high {
                        let first = NaiveDate::from_ymd_opt((m / 100) as i32, (m % 100) as u32, 1).unwrap();
                        let next = if m % 100 == 12 { (m / 100 + 1) * 100 + 1 } else { m + 1 };
                        let nf = NaiveDate::from_ymd_opt((next / 100) as i32, (next % 100) as u32, 1).unwrap();
                        n += (nf - first).num_days();
                        m = next;
                    }
                }
                _ => {
                    let a = NaiveDate::parse_from_str(&low.to_string(), "%Y%m%d").unwrap();
                    let b = NaiveDate::parse_from_str(&high.to_string(), "%Y%m%d").unwrap();
                    n += (b - a).num_days() + 1;
                }
            }
        }
        n
    }

    #[test]
    fn ranges_cover_exactly_the_period_with_few_pieces() {
        let cases = [
            ("2021-01-01", "2025-12-31", 1),
            ("2024-01-01", "2024-12-31", 1),
            ("2024-03-15", "2024-03-20", 1),
            ("2024-03-15", "2025-02-10", 4),
            ("2021-07-01", "2026-06-30", 3),
            ("1949-10-01", "2026-11-28", 5),
            ("2024-02-01", "2024-02-29", 1),
        ];
        for (from, to, max_pieces) in cases {
            let (a, b) = (d(from), d(to));
            let rs = ranges(a, b);
            assert_eq!(days_covered(&rs), (b - a).num_days() + 1, "{from}..{to}: {rs:?}");
            assert!(rs.len() <= max_pieces + 2, "{from}..{to}: {rs:?}");
        }
    }

    #[test]
    fn monthly_deltas_summed_over_the_lineage_by_hand_equal_the_monthly_deltas() {
        let village = RegionCode::parse("420502001001").unwrap();
        let mut whole = Deltas::new();
        let mut here = Deltas::new();
        for (day, n) in [("1975-02-10", 3), ("1975-02-28", 1), ("1975-11-01", 2), ("1990-07-04", 5)] {
            whole.add_monthly("m", &village, d(day), n);
            let month = d(day).year() * 100 + d(day).month() as i32;
            for r in village.lineage() {
                here.add_monthly_here("m", &r.padded(), month, n);
            }
        }
        assert_eq!(here.into_sorted_rows(), whole.into_sorted_rows());
    }

    #[test]
    fn deltas_reach_every_ancestor_in_every_tier() {
        let mut deltas = Deltas::new();
        deltas.add("m", &RegionCode::parse("420502001001").unwrap(), d("2024-05-06"), 1);
        assert_eq!(deltas.len(), 5 * 3);
        deltas.add("m", &RegionCode::parse("420502001001").unwrap(), d("2024-05-06"), -1);
        assert_eq!(deltas.map.values().filter(|v| **v != 0).count(), 0);
    }
}
