//! Evaluating indicators for (region subtree, period): roll-up sums for flows and stocks in one
//! round trip, register counts for figures that depend on the passing of time, and ratios.

use std::collections::HashMap;

use jinguo_domain::RegionCode;
use jinguo_domain::insight::{Formula, INDICATORS, Indicator, Period, RegisterFigure, Unit};
use sea_orm::ConnectionTrait;

use crate::org::{federations, regions};
use crate::rollup::{self, Read};
use crate::{Result, Scope};

/// One figure.
#[derive(Debug, Clone)]
pub struct Figure {
    pub indicator: &'static Indicator,
    pub value: f64,
}

/// Every indicator of `wanted` (all when empty) for `region`'s subtree over `period`.
pub async fn evaluate<C: ConnectionTrait>(c: &C, region: &RegionCode, period: Period, wanted: &[&str]) -> Result<Vec<Figure>> {
    let selected: Vec<&'static Indicator> = INDICATORS.iter().filter(|i| wanted.is_empty() || wanted.contains(&i.id)).collect();
    // Ratios need their parts even when only the ratio was asked for.
    let mut needed: Vec<&'static Indicator> = selected.clone();
    for i in &selected {
        if let Formula::Ratio(n, d) = i.formula {
            for part in [n, d] {
                if let Some(p) = jinguo_domain::insight::indicator(part).filter(|p| !needed.iter().any(|x| x.id == p.id)) {
                    needed.push(p);
                }
            }
        }
    }
    let metrics: Vec<(&str, Read)> = needed
        .iter()
        .filter_map(|i| match i.formula {
            Formula::Flow(m) => Some((m, Read::Flow)),
            Formula::Stock(m) => Some((m, Read::Stock)),
            _ => None,
        })
        .collect();
    let sums = rollup::sums(c, region, &metrics, period.from, period.to).await?;
    let scope = Scope::region(region.clone());
    let wants_terms =
        needed.iter().any(|i| matches!(i.formula, Formula::Register(RegisterFigure::TermsDue | RegisterFigure::TermsOverdue)));
    let (due, overdue) = if wants_terms { federations::count_due_and_overdue(c, &scope, period.to).await? } else { (0, 0) };
    let mut values: HashMap<&'static str, f64> = HashMap::new();
    for i in &needed {
        let v = match i.formula {
            // Money is kept in whole fen; a figure in 元 reads fen ÷ 100.
            Formula::Flow(m) | Formula::Stock(m) if i.unit == Unit::Yuan => sums.get(m).copied().unwrap_or(0) as f64 / 100.0,
            Formula::Flow(m) | Formula::Stock(m) => sums.get(m).copied().unwrap_or(0) as f64,
            Formula::Register(RegisterFigure::TermsDue) => due as f64,
            Formula::Register(RegisterFigure::TermsOverdue) => overdue as f64,
            Formula::Register(RegisterFigure::Villages) => regions::village_count(c, region).await? as f64,
            Formula::Register(RegisterFigure::VisitsOverdue) => crate::care::count_overdue(c, &scope, period.to).await? as f64,
            Formula::Register(RegisterFigure::EligibleWomen) => crate::health::eligible_women(c, region, period.to).await? as f64,
            Formula::Register(RegisterFigure::EducationHouseholds) => {
                crate::education::activities::households_served(c, &scope, period.from, period.to).await?.total() as f64
            }
            Formula::Ratio(..) => continue,
        };
        values.insert(i.id, v);
    }
    let mut out = Vec::with_capacity(selected.len());
    for i in selected {
        let value = match i.formula {
            Formula::Ratio(n, d) => {
                let (n, d) = (values.get(n).copied().unwrap_or(0.0), values.get(d).copied().unwrap_or(0.0));
                if d == 0.0 { 0.0 } else { (n * 1000.0 / d).round() / 10.0 }
            }
            _ => values.get(i.id).copied().unwrap_or(0.0),
        };
        out.push(Figure { indicator: i, value });
    }
    Ok(out)
}
