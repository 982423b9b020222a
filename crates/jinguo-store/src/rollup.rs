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

    /// Adds `rows` of `metric` as they are, each in exactly its region and bucket: for bulk jobs
    /// that summed their counts over the ancestors and tiers themselves ([`MonthlyCounts`]).
    pub(crate) fn add_rows(&mut self, metric: &str, rows: Vec<BucketRow>) {
        for r in rows {
            if r.value != 0 {
                *self.map.entry((metric.to_owned(), r.region, r.tier, r.bucket)).or_insert(0) += r.value;
            }
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

    /// Writes the deltas inside a transaction of a SQLite bulk path.
    pub(crate) fn write_sqlite(self, tx: &rusqlite::Connection) -> Result<()> {
        let rows = self.sorted();
        upsert_sqlite(
            tx,
            rows.iter().map(|((metric, region, tier, bucket), value)| (metric.as_str(), region.as_str(), *tier, *bucket, *value)),
        )
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

/// Roll-up rows per multi-row upsert on SQLite's bulk paths.
const UPSERT_ROWS: usize = 64;

/// Adds `(metric, region, tier, bucket, value)` rows to the roll-ups on SQLite, many rows a
/// statement; rows in key order walk the primary-key index in order.
pub(crate) fn upsert_sqlite<'a>(tx: &rusqlite::Connection, rows: impl Iterator<Item = (&'a str, &'a str, i64, i64, i64)>) -> Result<()> {
    let statement = |n: usize| {
        let mut text = String::from("INSERT INTO rollups (metric, region, tier, bucket, value) VALUES ");
        for k in 0..n {
            let at = k * 5;
            text.push_str(&format!("{}(?{}, ?{}, ?{}, ?{}, ?{})", if k > 0 { ", " } else { "" }, at + 1, at + 2, at + 3, at + 4, at + 5));
        }
        text.push_str(" ON CONFLICT (metric, region, tier, bucket) DO UPDATE SET value = rollups.value + excluded.value");
        text
    };
    let mut many = tx.prepare_cached(&statement(UPSERT_ROWS))?;
    let mut one = tx.prepare_cached(&statement(1))?;
    let mut pending: Vec<(&str, &str, i64, i64, i64)> = Vec::with_capacity(UPSERT_ROWS);
    let bind = |st: &mut rusqlite::CachedStatement<'_>, k: usize, (metric, region, tier, bucket, value): (&str, &str, i64, i64, i64)| {
        let at = k * 5 + 1;
        st.raw_bind_parameter(at, metric)?;
        st.raw_bind_parameter(at + 1, region)?;
        st.raw_bind_parameter(at + 2, tier)?;
        st.raw_bind_parameter(at + 3, bucket)?;
        st.raw_bind_parameter(at + 4, value)
    };
    for row in rows {
        pending.push(row);
        if pending.len() == UPSERT_ROWS {
            for (k, row) in pending.drain(..).enumerate() {
                bind(&mut many, k, row)?;
            }
            many.raw_execute()?;
        }
    }
    for row in pending {
        bind(&mut one, 0, row)?;
        one.raw_execute()?;
    }
    Ok(())
}

/// One roll-up row of a metric: `value` in `region`'s bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BucketRow {
    pub region: String,
    pub tier: i64,
    pub bucket: i64,
    pub value: i64,
}

/// One monthly metric counted for many records at once (a bulk import's women by birth
/// month): [`MonthlyCounts::add`] a mark per record, and [`MonthlyCounts::rows`] sums them
/// over every ancestor into year and month buckets by sorting packed integers, with no map
/// entry per bucket (a million women make about 800,000 buckets), and gives them out in the
/// roll-up table's key order.
#[derive(Debug, Default)]
pub(crate) struct MonthlyCounts {
    /// Place of the region in the caller's list << 32 | months since the year 0.
    marks: Vec<u64>,
}

impl MonthlyCounts {
    /// Counts one record in the region at `region_at` of the caller's list, in `year`-`month`.
    pub fn add(&mut self, region_at: usize, year: i32, month: u32) {
        let months = (year.max(0) as u64) * 12 + u64::from(month.clamp(1, 12) - 1);
        self.marks.push((region_at as u64) << 32 | months);
    }

    /// The year and month buckets of every region in `regions` (the list the places refer to)
    /// and of each of their ancestors, in key order (region, tier, bucket).
    pub fn rows(mut self, regions: &[RegionCode]) -> Vec<BucketRow> {
        self.marks.sort_unstable();
        // Every region concerned, ancestors included, numbered in code order.
        let mut codes: Vec<String> = Vec::new();
        let mut used: Vec<usize> = self.marks.iter().map(|m| (m >> 32) as usize).collect();
        used.dedup();
        for at in &used {
            codes.extend(regions[*at].lineage().iter().map(RegionCode::padded));
        }
        codes.sort_unstable();
        codes.dedup();
        let rank = |code: &str| codes.binary_search_by(|c| c.as_str().cmp(code)).unwrap_or_default() as u64;
        let lineage: HashMap<usize, Vec<u64>> =
            used.iter().map(|at| (*at, regions[*at].lineage().iter().map(|r| rank(&r.padded())).collect())).collect();
        // (rank << 32 | month, count) for each region of each mark's lineage, then summed.
        let mut sums: Vec<(u64, i64)> = Vec::new();
        for run in self.marks.chunk_by(|a, b| a == b) {
            let mark = run[0];
            for r in &lineage[&((mark >> 32) as usize)] {
                sums.push((r << 32 | (mark & 0xffff_ffff), run.len() as i64));
            }
        }
        sums.sort_unstable_by_key(|(key, _)| *key);
        let mut months: Vec<(u64, i64)> = Vec::with_capacity(sums.len() / 4);
        for (key, n) in sums {
            match months.last_mut() {
                Some((last, total)) if *last == key => *total += n,
                _ => months.push((key, n)),
            }
        }
        // Per region: its years (tier 0), then its months (tier 1).
        let mut rows = Vec::with_capacity(months.len() * 5 / 4);
        for region in months.chunk_by(|a, b| a.0 >> 32 == b.0 >> 32) {
            let code = &codes[(region[0].0 >> 32) as usize];
            let month_of = |key: u64| (key & 0xffff_ffff) as i64;
            for year in region.chunk_by(|a, b| month_of(a.0) / 12 == month_of(b.0) / 12) {
                let value = year.iter().map(|(_, n)| n).sum();
                rows.push(BucketRow { region: code.clone(), tier: TIER_YEAR, bucket: month_of(year[0].0) / 12, value });
            }
            for (key, n) in region {
                let m = month_of(*key);
                rows.push(BucketRow { region: code.clone(), tier: TIER_MONTH, bucket: m / 12 * 100 + m % 12 + 1, value: *n });
            }
        }
        rows
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
    fn monthly_counts_of_many_regions_equal_the_monthly_deltas_and_come_in_key_order() {
        let regions: Vec<RegionCode> =
            ["420502001001", "420502001002", "420503002001", "420602001001"].iter().map(|c| RegionCode::parse(c).unwrap()).collect();
        let mut whole = Deltas::new();
        let mut counts = MonthlyCounts::default();
        let marks = [
            (0, "1975-02-10"),
            (0, "1975-02-28"),
            (1, "1975-02-01"),
            (0, "1975-11-01"),
            (2, "1990-07-04"),
            (3, "1990-12-31"),
            (2, "1941-01-01"),
        ];
        for (at, day) in marks {
            whole.add_monthly("m", &regions[at], d(day), 1);
            counts.add(at, d(day).year(), d(day).month());
        }
        let rows = counts.rows(&regions);
        let keys: Vec<_> = rows.iter().map(|r| (r.region.clone(), r.tier, r.bucket)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "not in key order: {keys:?}");
        let mut here = Deltas::new();
        here.add_rows("m", rows);
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
