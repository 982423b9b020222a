//! Tracing a figure to the records behind it (issue 5, point 2): the same permission and scope
//! checks as the indicators themselves, then the store's raw list, a page at a time.

use jinguo_domain::RegionCode;
use jinguo_domain::access::Permission;
use jinguo_domain::insight::{Formula, Indicator, Period, indicator};
pub use jinguo_store::trace::{TracePage, TraceRow};

use crate::{Actor, App, AppError, Result};

/// Rows per page of a trace.
pub const PAGE_SIZE: u64 = 50;

/// What a figure traces to: its own records, or, for a ratio, its two parts.
#[derive(Debug, Clone)]
pub enum Trace {
    Records(TracePage),
    /// A ratio: the numerator's and the denominator's indicators, each traced on its own.
    Ratio {
        numerator: &'static Indicator,
        denominator: &'static Indicator,
    },
}

/// The indicator of `id`, or a field error in Chinese.
pub fn known(id: &str) -> Result<&'static Indicator> {
    indicator(id).ok_or_else(|| AppError::invalid("indicator", format!("未知的指标：{id}")))
}

impl App {
    /// The records behind indicator `id` for `region`'s subtree over `period`: page `page`
    /// (from 0) of [`PAGE_SIZE`], with their count and sum over all pages.
    pub async fn trace(
        &self,
        actor: &Actor,
        id: &str,
        region: &RegionCode,
        period: Period,
        page: u64,
    ) -> Result<(&'static Indicator, Trace)> {
        let ind = known(id)?;
        self.require(actor, Permission::ReadIndicators, "indicator.read").await?;
        self.read_scope(actor, region, "indicator.read").await?;
        self.region(region).await?;
        if let Formula::Ratio(n, d) = ind.formula {
            return Ok((ind, Trace::Ratio { numerator: known(n)?, denominator: known(d)? }));
        }
        let found = jinguo_store::trace::rows(self.db.reader(), ind, region, period, page, PAGE_SIZE).await?;
        let page = found.ok_or_else(|| AppError::invalid("indicator", format!("该指标无法追溯到记录：{id}")))?;
        Ok((ind, Trace::Records(page)))
    }
}
