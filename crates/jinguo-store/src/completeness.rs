//! Completeness (issue 5): for every village of a subtree, the last day each watched register
//! ([`WATCHED`]) had a record on or before a given day, read from the day tier of the roll-ups
//! (one index seek per village and register, whatever the number of records).

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::insight::WATCHED;
use sea_orm::ConnectionTrait;

use crate::{Result, sql};

/// The day tier of the roll-ups (see `rollup`).
const TIER_DAY: i64 = 2;

/// One village and, per watched register in [`WATCHED`] order, the last day with a record.
#[derive(Debug, Clone)]
pub struct VillageLast {
    /// The padded code.
    pub code: String,
    pub name: String,
    pub last: Vec<Option<NaiveDate>>,
}

/// Every village in `region`'s subtree (the village itself when `region` is one), in code order,
/// with the last day on or before `to` each watched register had a record.
pub async fn villages<C: ConnectionTrait>(c: &C, region: &RegionCode, to: NaiveDate) -> Result<Vec<VillageLast>> {
    let (low, high) = region.subtree_range();
    let bucket = day_bucket(to);
    let mut columns = String::new();
    let mut values = Vec::new();
    for (i, w) in WATCHED.iter().enumerate() {
        columns.push_str(&format!(
            ", (SELECT MAX(r.bucket) FROM rollups r WHERE r.metric = ? AND r.region = v.code AND r.tier = {TIER_DAY} \
             AND r.bucket <= ? AND r.value <> 0) AS last{i}"
        ));
        values.push(w.metric.into());
        values.push(bucket.into());
    }
    values.extend([low.into(), high.into()]);
    let rows = sql::all(
        c,
        &format!("SELECT v.code, v.name{columns} FROM regions v WHERE v.level = 5 AND v.code BETWEEN ? AND ? ORDER BY v.code"),
        values,
    )
    .await?;
    rows.iter()
        .map(|r| {
            let mut last = Vec::with_capacity(WATCHED.len());
            for i in 0..WATCHED.len() {
                let b: Option<i64> = sql::get(r, &format!("last{i}"))?;
                last.push(b.and_then(bucket_day));
            }
            Ok(VillageLast { code: sql::get(r, "code")?, name: sql::get(r, "name")?, last })
        })
        .collect()
}

/// `2025-03-07` → `20250307`, the day tier's bucket.
fn day_bucket(d: NaiveDate) -> i64 {
    use chrono::Datelike;
    (d.year() as i64 * 100 + d.month() as i64) * 100 + d.day() as i64
}

fn bucket_day(b: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt((b / 10_000) as i32, ((b / 100) % 100) as u32, (b % 100) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_round_trip() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(day_bucket(d), 20240229);
        assert_eq!(bucket_day(20240229), Some(d));
        assert_eq!(bucket_day(20230229), None);
    }
}
