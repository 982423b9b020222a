//! Indicators for a region and period, for those allowed to read them.

use jinguo_domain::RegionCode;
use jinguo_domain::access::Permission;
use jinguo_domain::insight::Period;
pub use jinguo_store::insight::Figure;

use crate::{Actor, App, Result};

impl App {
    /// Every indicator (or those named in `wanted`) for `region`'s subtree over `period`.
    pub async fn indicators(&self, actor: &Actor, region: &RegionCode, period: Period, wanted: &[&str]) -> Result<Vec<Figure>> {
        self.require(actor, Permission::ReadIndicators, "indicator.read").await?;
        self.read_scope(actor, region, "indicator.read").await?;
        self.region(region).await?;
        Ok(jinguo_store::insight::evaluate(self.db.reader(), region, period, wanted).await?)
    }
}
