//! `Scope`: the region subtree a caller may see (DESIGN.md principle 2).

use jinguo_domain::RegionCode;
use jinguo_domain::region::Level;

/// A region subtree. Every register query takes one, and filters by its range of padded codes.
/// Built from an account's federation by the app layer, or [`Scope::everything`] for the
/// operator's CLI and for public facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    root: Option<RegionCode>,
    low: String,
    high: String,
}

impl Scope {
    /// The subtree of `root`.
    pub fn region(root: RegionCode) -> Scope {
        let (low, high) = root.subtree_range();
        Scope { root: Some(root), low, high }
    }

    /// Every region: for the operator's CLI, bulk jobs and indicators of public facts.
    pub fn everything() -> Scope {
        Scope { root: None, low: "000000000000".into(), high: "999999999999".into() }
    }

    pub fn root(&self) -> Option<&RegionCode> {
        self.root.as_ref()
    }

    pub fn contains(&self, code: &RegionCode) -> bool {
        self.root.as_ref().is_none_or(|r| r.contains(code))
    }

    /// The narrower of this scope and `region`'s subtree, or None when `region` lies outside.
    pub fn narrow(&self, region: &RegionCode) -> Option<Scope> {
        self.contains(region).then(|| Scope::region(region.clone()))
    }

    /// A village's subtree: its registers hold a few thousand records at most, so a read of
    /// them is bounded (ADR 0016).
    pub fn is_village(&self) -> bool {
        self.root.as_ref().is_some_and(|r| r.level() == Level::Village)
    }

    /// Inclusive bounds of padded codes, for `region BETWEEN ? AND ?`.
    pub fn bounds(&self) -> (String, String) {
        (self.low.clone(), self.high.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_stays_inside() {
        let county = Scope::region(RegionCode::parse("420502").unwrap());
        assert!(county.narrow(&RegionCode::parse("420502001").unwrap()).is_some());
        assert!(county.narrow(&RegionCode::parse("420506").unwrap()).is_none());
        assert!(county.narrow(&RegionCode::parse("4205").unwrap()).is_none());
        assert!(Scope::everything().contains(&RegionCode::parse("11").unwrap()));
    }
}
