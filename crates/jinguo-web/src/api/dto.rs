//! What the API answers: its own shapes, so the JSON contract does not move when storage does.

use jinguo_domain::insight::Unit;
use jinguo_store::Page;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: not_found, forbidden, unauthorized, totp_required, account_locked, invalid, conflict, bad_request, rate_limited, internal.
    pub code: String,
    /// Chinese message for people.
    pub message: String,
}

/// A page of a list.
#[derive(Serialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
    /// The cursor of the next page (`?after=`), or null on the last page.
    pub next: Option<String>,
}

impl<T: ToSchema> List<T> {
    pub fn from_page<U>(page: Page<U>, f: impl FnMut(U) -> T) -> List<T> {
        let p = page.map(f);
        List { items: p.items, total: p.total, next: p.next }
    }

    pub fn all(items: Vec<T>) -> List<T> {
        List { total: items.len() as i64, items, next: None }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Region {
    /// Short code: 2/4/6/9/12 digits.
    pub code: String,
    pub name: String,
    /// province | city | county | town | village
    pub level: String,
    pub level_label: String,
    pub parent: Option<String>,
    pub children: i64,
    pub counties: i64,
    pub towns: i64,
    pub villages: i64,
}

impl From<jinguo_store::org::regions::Region> for Region {
    fn from(r: jinguo_store::org::regions::Region) -> Region {
        Region {
            code: r.code.short().to_owned(),
            name: r.name,
            level: r.level.code_name().to_owned(),
            level_label: r.level.label().to_owned(),
            parent: r.parent.map(|p| p.short().to_owned()),
            children: r.children,
            counties: r.counties,
            towns: r.towns,
            villages: r.villages,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TermSummary {
    pub number: Option<i64>,
    pub end_on: Option<String>,
    /// current | due | overdue | none
    pub status: String,
    pub status_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct Federation {
    pub id: String,
    pub region: String,
    pub region_name: String,
    /// region | industry | area | park | enterprise | social_org | gig_platform
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub members: i64,
    pub established_on: String,
    pub term: TermSummary,
}

impl Federation {
    pub fn new(f: jinguo_store::org::federations::Federation, today: chrono::NaiveDate) -> Federation {
        let status = jinguo_domain::org::TermStatus::on(today, f.term_end);
        Federation {
            id: f.id.to_string(),
            region: f.region.short().to_owned(),
            region_name: f.region_name,
            kind: f.kind.code().to_owned(),
            kind_label: f.kind.label().to_owned(),
            name: f.name,
            members: f.members,
            established_on: f.established_on.to_string(),
            term: TermSummary {
                number: f.term_number,
                end_on: f.term_end.map(|d| d.to_string()),
                status: status.code().to_owned(),
                status_label: status.label().to_owned(),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Term {
    pub id: String,
    pub number: i64,
    pub start_on: String,
    pub end_on: String,
    pub chair: String,
}

impl From<jinguo_store::org::federations::Term> for Term {
    fn from(t: jinguo_store::org::federations::Term) -> Term {
        Term { id: t.id.to_string(), number: t.number, start_on: t.start_on.to_string(), end_on: t.end_on.to_string(), chair: t.chair }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ExecutiveMember {
    pub id: String,
    pub name: String,
    pub position: String,
    pub workplace: String,
    pub joined_on: String,
    pub left_on: Option<String>,
}

impl From<jinguo_store::org::federations::ExecutiveMember> for ExecutiveMember {
    fn from(m: jinguo_store::org::federations::ExecutiveMember) -> ExecutiveMember {
        ExecutiveMember {
            id: m.id.to_string(),
            name: m.name,
            position: m.position,
            workplace: m.workplace,
            joined_on: m.joined_on.to_string(),
            left_on: m.left_on.map(|d| d.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FederationDetail {
    #[serde(flatten)]
    pub federation: Federation,
    pub terms: Vec<Term>,
    pub executive_members: Vec<ExecutiveMember>,
}

#[derive(Serialize, ToSchema)]
pub struct Home {
    pub id: String,
    pub region: String,
    pub region_name: String,
    pub federation: String,
    pub name: String,
    pub address: String,
    pub keeper: String,
    pub established_on: String,
    pub standardised: bool,
    pub standardised_on: Option<String>,
    pub items_holding: i64,
    pub items_total: i64,
}

impl From<jinguo_store::org::homes::Home> for Home {
    fn from(h: jinguo_store::org::homes::Home) -> Home {
        Home {
            id: h.id.to_string(),
            region: h.region.short().to_owned(),
            region_name: h.region_name,
            federation: h.federation.to_string(),
            name: h.name,
            address: h.address,
            keeper: h.keeper,
            established_on: h.established_on.to_string(),
            standardised: h.standardised,
            standardised_on: h.standardised_on.map(|d| d.to_string()),
            items_holding: h.items_holding,
            items_total: jinguo_domain::org::HomeCheckItem::ALL.len() as i64,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HomeItem {
    /// premises | sign | rules | keeper | activities | records
    pub item: String,
    pub label: String,
    /// Null when never checked.
    pub holds: Option<bool>,
    pub checked_on: Option<String>,
    pub checked_by: Option<String>,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HomeDetail {
    #[serde(flatten)]
    pub home: Home,
    pub items: Vec<HomeItem>,
}

impl From<jinguo_app::org::homes::HomeDetail> for HomeDetail {
    fn from(d: jinguo_app::org::homes::HomeDetail) -> HomeDetail {
        HomeDetail {
            home: d.home.into(),
            items: d
                .items
                .into_iter()
                .map(|(item, check)| HomeItem {
                    item: item.code().to_owned(),
                    label: item.label().to_owned(),
                    holds: check.as_ref().map(|c| c.holds),
                    checked_on: check.as_ref().map(|c| c.checked_on.to_string()),
                    checked_by: check.as_ref().map(|c| c.checked_by.clone()),
                    note: check.map(|c| c.note),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Activity {
    pub id: String,
    pub federation: String,
    pub federation_name: String,
    pub region: String,
    pub region_name: String,
    pub held_on: String,
    pub category: String,
    pub category_label: String,
    pub title: String,
    pub place: String,
    pub participants: i64,
}

impl From<jinguo_store::org::activities::Activity> for Activity {
    fn from(a: jinguo_store::org::activities::Activity) -> Activity {
        Activity {
            id: a.id.to_string(),
            federation: a.federation.to_string(),
            federation_name: a.federation_name,
            region: a.region.short().to_owned(),
            region_name: a.region_name,
            held_on: a.held_on.to_string(),
            category: a.category.code().to_owned(),
            category_label: a.category.label().to_owned(),
            title: a.title,
            place: a.place,
            participants: a.participants,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorValue {
    /// Dotted English name, e.g. `org.women_homes.coverage`.
    pub id: String,
    pub label: String,
    /// A whole number, a percentage with one decimal, or yuan with two decimals.
    #[schema(value_type = f64)]
    pub value: serde_json::Value,
    /// 个 | 人 | 人次 | % | 元
    pub unit: String,
    pub group: String,
}

impl From<jinguo_app::insight::Figure> for IndicatorValue {
    fn from(f: jinguo_app::insight::Figure) -> IndicatorValue {
        let value = match f.indicator.unit {
            Unit::Percent => serde_json::json!(f.value),
            Unit::Yuan => serde_json::json!((f.value * 100.0).round() / 100.0),
            _ => serde_json::json!(f.value.round() as i64),
        };
        IndicatorValue {
            id: f.indicator.id.to_owned(),
            label: f.indicator.label.to_owned(),
            value,
            unit: f.indicator.unit.label().to_owned(),
            group: f.indicator.group.label().to_owned(),
        }
    }
}
