//! Completeness (issue 5, point 4): per region, which of the registers villages keep
//! ([`WATCHED`]) were updated in a period and which were not, down to the villages that added
//! nothing for [`STALE_MONTHS`] months; and, for the dashboard and the report, which figures are
//! drawn from incomplete data.

use chrono::{Months, NaiveDate};
use jinguo_domain::RegionCode;
use jinguo_domain::access::Permission;
use jinguo_domain::insight::{Period, STALE_MONTHS, WATCHED, Watched};
use jinguo_store::completeness::{self, VillageLast};
use jinguo_store::org::regions;

use crate::{Actor, App, AppError, Result};

/// How the villages of one region kept one register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upkeep {
    /// Villages in the region.
    pub villages: usize,
    /// Villages with no record in the period.
    pub lacking: usize,
    /// Villages with no record in the [`STALE_MONTHS`] months up to the period's end.
    pub stale: usize,
    /// The last day any village of the region had a record (up to the period's end).
    pub last: Option<NaiveDate>,
}

impl Upkeep {
    fn add(&mut self, last: Option<NaiveDate>, period: Period, stale_before: NaiveDate) {
        self.villages += 1;
        if last.is_none_or(|d| d < period.from) {
            self.lacking += 1;
        }
        if last.is_none_or(|d| d < stale_before) {
            self.stale += 1;
        }
        if last > self.last {
            self.last = last;
        }
    }

    /// Some village had no record in the period.
    pub fn incomplete(&self) -> bool {
        self.lacking > 0
    }
}

/// One region's upkeep of every watched register, in [`WATCHED`] order.
#[derive(Debug, Clone)]
pub struct RegionUpkeep {
    pub code: RegionCode,
    pub name: String,
    pub registers: Vec<Upkeep>,
}

/// A village that added no record to a register for [`STALE_MONTHS`] months or more.
#[derive(Debug, Clone)]
pub struct StaleVillage {
    pub code: RegionCode,
    pub name: String,
    /// The register (an index into [`WATCHED`]).
    pub register: usize,
    /// Its last record before the period's end, if it ever had one.
    pub last: Option<NaiveDate>,
}

/// The completeness of a region for a period.
#[derive(Debug, Clone)]
pub struct Completeness {
    pub period: Period,
    /// No record since this day means stale.
    pub stale_before: NaiveDate,
    /// The region itself.
    pub whole: RegionUpkeep,
    /// Its child regions (empty for a village).
    pub children: Vec<RegionUpkeep>,
    /// Stale villages, longest silent first (never before any), per register in order.
    pub stale: Vec<StaleVillage>,
}

impl Completeness {
    /// Each register not every village kept in the period, said in a line:
    /// `走访记录：12/150 个村(社区)本期无记录` (the work report's data note).
    pub fn incomplete_registers(&self) -> Vec<String> {
        WATCHED
            .iter()
            .zip(&self.whole.registers)
            .filter(|(_, u)| u.incomplete())
            .map(|(w, u)| format!("{}：{}/{} 个村(社区)本期无记录", w.label, u.lacking, u.villages))
            .collect()
    }

    /// The registers that feed the indicator `id` and were not kept everywhere in the period,
    /// with the number of villages lacking records and the number of villages.
    pub fn gaps_for(&self, id: &str) -> Vec<(&'static Watched, &Upkeep)> {
        WATCHED.iter().zip(&self.whole.registers).filter(|(w, u)| w.feeds(id) && u.incomplete()).collect()
    }

    /// The note a figure fed by incomplete registers carries, e.g.
    /// `数据不完整：3/120 个村(社区)本期无走访记录`; None when complete.
    pub fn note_for(&self, id: &str) -> Option<String> {
        let gaps = self.gaps_for(id);
        if gaps.is_empty() {
            return None;
        }
        let parts: Vec<String> = gaps.iter().map(|(w, u)| format!("{}/{} 个村(社区)本期无{}", u.lacking, u.villages, w.label)).collect();
        Some(format!("数据不完整：{}", parts.join("；")))
    }
}

impl App {
    /// The completeness of `region`'s registers for `period`, for those who read indicators.
    pub async fn completeness(&self, actor: &Actor, region: &RegionCode, period: Period) -> Result<Completeness> {
        self.require(actor, Permission::ReadIndicators, "completeness.read").await?;
        self.read_scope(actor, region, "completeness.read").await?;
        let me = self.region(region).await?;
        let villages = completeness::villages(self.db.reader(), region, period.to).await?;
        let kids = regions::children(self.db.reader(), Some(region)).await?;
        Ok(summarise(me.code.clone(), me.name.clone(), kids.into_iter().map(|k| (k.code, k.name)).collect(), &villages, period))
    }
}

/// Adds the villages up for the region and each child, and lists the stale ones.
fn summarise(code: RegionCode, name: String, kids: Vec<(RegionCode, String)>, villages: &[VillageLast], period: Period) -> Completeness {
    let stale_before = period.to.checked_sub_months(Months::new(STALE_MONTHS)).unwrap_or(period.to);
    let blank = || vec![Upkeep::default(); WATCHED.len()];
    let mut whole = RegionUpkeep { code, name, registers: blank() };
    let mut children: Vec<RegionUpkeep> = kids.into_iter().map(|(code, name)| RegionUpkeep { code, name, registers: blank() }).collect();
    let mut stale = Vec::new();
    for v in villages {
        let Ok(code) = RegionCode::parse(&v.code) else { continue };
        let child = children.iter_mut().find(|c| c.code.contains(&code));
        for (i, last) in v.last.iter().enumerate() {
            whole.registers[i].add(*last, period, stale_before);
            if last.is_none_or(|d| d < stale_before) {
                stale.push(StaleVillage { code: code.clone(), name: v.name.clone(), register: i, last: *last });
            }
        }
        if let Some(c) = child {
            for (i, last) in v.last.iter().enumerate() {
                c.registers[i].add(*last, period, stale_before);
            }
        }
    }
    stale.sort_by(|a, b| a.register.cmp(&b.register).then(a.last.cmp(&b.last)).then(a.code.padded().cmp(&b.code.padded())));
    Completeness { period, stale_before, whole, children, stale }
}

/// The position of a watched register by its id (`visits`), for filters.
pub fn watched_index(id: &str) -> Result<usize> {
    WATCHED.iter().position(|w| w.id == id).ok_or_else(|| AppError::invalid("register", "没有这个台账"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn villages_add_up_per_child_and_silent_ones_are_listed_longest_first() {
        let city = RegionCode::parse("4205").unwrap();
        let kids =
            vec![(RegionCode::parse("420502").unwrap(), "西陵区".to_owned()), (RegionCode::parse("420506").unwrap(), "夷陵区".to_owned())];
        let n = WATCHED.len();
        let all = |d: Option<NaiveDate>| vec![d; n];
        let villages = vec![
            VillageLast { code: "420502001001".into(), name: "甲村".into(), last: all(Some(d("2025-12-01"))) },
            VillageLast { code: "420502001002".into(), name: "乙村".into(), last: all(Some(d("2025-03-01"))) },
            VillageLast { code: "420506100001".into(), name: "丙村".into(), last: all(None) },
        ];
        let period = Period::parse("2025-07-01", "2025-12-31").unwrap();
        let c = summarise(city, "宜昌市".into(), kids, &villages, period);
        assert_eq!(c.whole.registers[0], Upkeep { villages: 3, lacking: 2, stale: 2, last: Some(d("2025-12-01")) });
        assert_eq!(c.children[0].registers[0], Upkeep { villages: 2, lacking: 1, stale: 1, last: Some(d("2025-12-01")) });
        assert_eq!(c.children[1].registers[0], Upkeep { villages: 1, lacking: 1, stale: 1, last: None });
        let first: Vec<&str> = c.stale.iter().filter(|s| s.register == 1).map(|s| s.name.as_str()).collect();
        assert_eq!(first, ["丙村", "乙村"]);
        let visits = WATCHED.iter().position(|w| w.id == "visits").unwrap();
        assert_eq!(c.note_for("care.visits").unwrap(), format!("数据不完整：2/3 个村(社区)本期无{}", WATCHED[visits].label));
        assert!(c.note_for("org.federations").is_none());
    }
}
