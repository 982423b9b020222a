//! A synthetic national division set for the import benchmark: the real provinces, cities and
//! counties (data/divisions/), and generated towns and villages spread over the real counties
//! in the national numbers (41,352 and 620,573), written as CSV files in the format of the real
//! ones. Generation is deterministic (a fixed seed), so two runs import the same rows.
//!
//! Codes follow the national scheme: a town is its county's code and three digits (001–099
//! streets 街道, 101–199 towns 镇, 200 and up townships 乡); a village is its town's code and
//! three digits (001–199 urban communities 社区居民委员会, 201–999 villages 村民委员会).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jinguo_domain::{Level, RegionCode};

/// Towns (乡镇/街道) in the national data set.
pub const NATIONAL_TOWNS: usize = 41_352;
/// Villages and communities (村/社区) in the national data set.
pub const NATIONAL_VILLAGES: usize = 620_573;

const SEED: u64 = 0x6a69_6e67_756f; // "jinguo"

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    /// The short code (2, 4, 6, 9 or 12 digits).
    pub code: String,
    pub name: String,
}

/// A row of the real files that cannot be used, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub file: &'static str,
    pub row: Division,
    pub reason: String,
}

/// The real upper levels: provinces, cities (prefectures) and counties.
#[derive(Debug, Clone)]
pub struct RealLevels {
    pub provinces: Vec<Division>,
    pub cities: Vec<Division>,
    pub counties: Vec<Division>,
    /// Rows left out: their code is not valid, or their parent is missing.
    pub skipped: Vec<Skipped>,
}

impl RealLevels {
    /// Reads `provinces.csv`, `cities.csv` and `areas.csv` from `dir`.
    pub fn read(dir: &Path) -> anyhow::Result<RealLevels> {
        let read =
            |name: &str| std::fs::read_to_string(dir.join(name)).with_context(|| format!("无法读取区划文件 {}", dir.join(name).display()));
        RealLevels::from_csv(&read("provinces.csv")?, &read("cities.csv")?, &read("areas.csv")?)
    }

    /// Parses the three files' texts, keeping the rows whose code is valid at its level and
    /// whose parent was kept.
    pub fn from_csv(provinces: &str, cities: &str, areas: &str) -> anyhow::Result<RealLevels> {
        let mut skipped = Vec::new();
        let mut kept: HashSet<String> = HashSet::new();
        let mut levels = Vec::new();
        for (file, text, level) in
            [("provinces.csv", provinces, Level::Province), ("cities.csv", cities, Level::City), ("areas.csv", areas, Level::County)]
        {
            let mut rows = Vec::new();
            let mut reader =
                csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
            for record in reader.records() {
                let record = record.with_context(|| format!("{file} 格式有误"))?;
                let row =
                    Division { code: record.get(0).unwrap_or("").trim().to_owned(), name: record.get(1).unwrap_or("").trim().to_owned() };
                let reason = match RegionCode::parse(&row.code) {
                    Err(e) => Some(e.to_string()),
                    Ok(code) if level == Level::County && code.level() == Level::City => Some(format!("即不设县的 {code} 本身，已在市级")),
                    Ok(code) if code.level() != level => Some(format!("应为{}级代码", level.label())),
                    Ok(code) => match code.parent() {
                        Some(parent) if !kept.contains(parent.short()) => Some(format!("上级区划 {parent} 不存在")),
                        _ => None,
                    },
                };
                match reason {
                    Some(reason) => skipped.push(Skipped { file, row, reason }),
                    None => {
                        kept.insert(row.code.clone());
                        rows.push(row);
                    }
                }
            }
            levels.push(rows);
        }
        let counties = levels.pop().unwrap_or_default();
        let cities = levels.pop().unwrap_or_default();
        let provinces = levels.pop().unwrap_or_default();
        Ok(RealLevels { provinces, cities, counties, skipped })
    }

    pub fn rows(&self) -> usize {
        self.provinces.len() + self.cities.len() + self.counties.len()
    }
}

/// The whole set: real upper levels, generated towns and villages, each level sorted by code.
#[derive(Debug, Clone)]
pub struct NationalSet {
    pub provinces: Vec<Division>,
    pub cities: Vec<Division>,
    pub counties: Vec<Division>,
    pub towns: Vec<Division>,
    pub villages: Vec<Division>,
}

/// Most towns a county's three digits can number (99 streets, 899 towns and townships).
const MAX_TOWNS_PER_COUNTY: usize = 99 + 899;
/// Most villages a town's three digits can number (199 communities, 799 villages).
const MAX_VILLAGES_PER_TOWN: usize = 199 + 799;

impl NationalSet {
    /// Spreads `towns` towns over the real counties and `villages` villages over those towns,
    /// unevenly (as real ones are), with realistic names.
    pub fn generate(real: &RealLevels, towns: usize, villages: usize) -> anyhow::Result<NationalSet> {
        if real.counties.is_empty() && towns > 0 {
            anyhow::bail!("没有可用的县级区划，无法生成乡镇");
        }
        if towns == 0 && villages > 0 {
            anyhow::bail!("没有乡镇，无法生成村");
        }
        let mut rng = SplitMix64(SEED);
        let weights: Vec<f64> = real.counties.iter().map(|_| 0.5 + rng.unit()).collect();
        let per_county = apportion(towns, &weights);
        let mut town_rows = Vec::with_capacity(towns);
        // Whether each town is an urban street, whose villages are communities.
        let mut is_street = Vec::with_capacity(towns);
        for (county, &n) in real.counties.iter().zip(&per_county) {
            if n > MAX_TOWNS_PER_COUNTY {
                anyhow::bail!("每个县最多 {MAX_TOWNS_PER_COUNTY} 个乡镇，而 {} 需要 {n} 个：请减少 --rows", county.code);
            }
            // Urban districts are mostly streets; counties mostly towns and townships.
            let share = if county.name.ends_with('区') { 0.6 } else { 0.15 };
            let streets = ((n as f64 * share).round() as usize).min(99).max(n.saturating_sub(899));
            for i in 0..n {
                let (number, suffix) = if i < streets {
                    (i + 1, "街道")
                } else {
                    let number = 101 + (i - streets);
                    (number, if number < 200 { "镇" } else { "乡" })
                };
                town_rows.push(Division { code: format!("{}{number:03}", county.code), name: format!("{}{suffix}", rng.place_name()) });
                is_street.push(i < streets);
            }
        }
        let weights: Vec<f64> = town_rows.iter().map(|_| 0.5 + rng.unit()).collect();
        let per_town = apportion(villages, &weights);
        let mut village_rows = Vec::with_capacity(villages);
        for ((town, &n), &street) in town_rows.iter().zip(&per_town).zip(&is_street) {
            if n > MAX_VILLAGES_PER_TOWN {
                anyhow::bail!("每个乡镇最多 {MAX_VILLAGES_PER_TOWN} 个村（社区），而 {} 需要 {n} 个：请减少 --rows", town.code);
            }
            let communities = if street { n } else { n / 6 }.min(199).max(n.saturating_sub(799));
            for i in 0..n {
                let (number, suffix) =
                    if i < communities { (i + 1, "社区居民委员会") } else { (201 + (i - communities), "村村民委员会") };
                village_rows.push(Division { code: format!("{}{number:03}", town.code), name: format!("{}{suffix}", rng.place_name()) });
            }
        }
        Ok(NationalSet {
            provinces: real.provinces.clone(),
            cities: real.cities.clone(),
            counties: real.counties.clone(),
            towns: town_rows,
            villages: village_rows,
        })
    }

    pub fn rows(&self) -> usize {
        self.provinces.len() + self.cities.len() + self.counties.len() + self.towns.len() + self.villages.len()
    }

    /// Rows by level, province first.
    pub fn by_level(&self) -> [usize; 5] {
        [self.provinces.len(), self.cities.len(), self.counties.len(), self.towns.len(), self.villages.len()]
    }

    /// Writes the five files in the format of data/divisions/ (each row names its ancestors).
    pub fn write_csv(&self, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let files: [(&str, &[&str], &[Division]); 5] = [
            ("provinces.csv", &["code", "name"], &self.provinces),
            ("cities.csv", &["code", "name", "provinceCode"], &self.cities),
            ("areas.csv", &["code", "name", "cityCode", "provinceCode"], &self.counties),
            ("streets.csv", &["code", "name", "areaCode", "provinceCode", "cityCode"], &self.towns),
            ("villages.csv", &["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"], &self.villages),
        ];
        let mut paths = Vec::new();
        for (name, header, rows) in files {
            let path = dir.join(name);
            let mut w = csv::Writer::from_path(&path).with_context(|| format!("无法写入 {}", path.display()))?;
            w.write_record(header)?;
            for row in rows {
                let c = row.code.as_str();
                match c.len() {
                    2 => w.write_record([c, &row.name])?,
                    4 => w.write_record([c, &row.name, &c[..2]])?,
                    6 => w.write_record([c, &row.name, &c[..4], &c[..2]])?,
                    9 => w.write_record([c, &row.name, &c[..6], &c[..2], &c[..4]])?,
                    _ => w.write_record([c, &row.name, &c[..9], &c[..2], &c[..4], &c[..6]])?,
                }
            }
            w.flush().with_context(|| format!("无法写入 {}", path.display()))?;
            paths.push(path);
        }
        Ok(paths)
    }
}

/// Splits `total` into parts proportional to `weights` that add up to exactly `total`.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(weights.len());
    if weights.is_empty() || sum <= 0.0 {
        return out;
    }
    let (mut acc, mut given) = (0.0, 0usize);
    for w in weights {
        acc += w;
        let upto = (((acc / sum) * total as f64).round() as usize).clamp(given, total);
        out.push(upto - given);
        given = upto;
    }
    if let Some(last) = out.last_mut() {
        *last += total - given;
    }
    out
}

/// A small deterministic generator (SplitMix64), so that the set is the same on every run
/// and every machine.
struct SplitMix64(u64);

/// Characters common in Chinese place names.
const NAME_CHARS: &[char] = &[
    '东', '西', '南', '北', '中', '新', '安', '和', '平', '丰', '兴', '龙', '凤', '桥', '河', '山', '湖', '林', '石', '塘', '家', '庄',
    '集', '店', '坪', '岗', '坝', '沟', '湾', '溪', '泉', '峰', '岭', '田', '园', '花', '柳', '杨', '李', '王', '张', '陈', '刘', '黄',
    '周', '吴', '马', '高', '罗', '金', '青', '白', '红', '阳', '光', '明', '德', '福', '寿', '康', '宁', '永', '长', '清', '太', '富',
    '华', '盛', '隆', '昌', '泰', '旺', '双', '三', '五', '七', '九', '堰',
];

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Two characters, like 龙泉 or 杨家.
    fn place_name(&mut self) -> String {
        let n = NAME_CHARS.len() as u64;
        let r = self.next();
        [NAME_CHARS[(r % n) as usize], NAME_CHARS[((r >> 32) % n) as usize]].iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use jinguo_app::org::regions::{ImportFile, check_files};

    use super::*;

    const PROVINCES: &str = "code,name\n11,\"北京市\"\n42,\"湖北省\"\n44,\"广东省\"\n";
    const CITIES: &str =
        "code,name,provinceCode\n1101,\"市辖区\",11\n4205,\"宜昌市\",42\n4290,\"省直辖县级行政区划\",42\n4419,\"东莞市\",44\n";
    // 441900 is real, but 东莞市 has no counties: the code is the city itself, not a county;
    // 430101 has no parent here.
    const AREAS: &str = "code,name,cityCode,provinceCode\n110101,\"东城区\",1101,11\n420502,\"西陵区\",4205,42\n420506,\"夷陵区\",4205,42\n420525,\"远安县\",4205,42\n429004,\"仙桃市\",4290,42\n441900,\"东莞市\",4419,44\n430101,\"某区\",4301,43\n";

    fn real() -> RealLevels {
        RealLevels::from_csv(PROVINCES, CITIES, AREAS).unwrap()
    }

    #[test]
    fn real_rows_with_invalid_codes_or_missing_parents_are_left_out() {
        let r = real();
        assert_eq!((r.provinces.len(), r.cities.len(), r.counties.len()), (3, 4, 5));
        let skipped: Vec<&str> = r.skipped.iter().map(|s| s.row.code.as_str()).collect();
        assert_eq!(skipped, ["441900", "430101"]);
        assert!(r.skipped[1].reason.contains("上级区划"), "{:?}", r.skipped[1]);
    }

    #[test]
    fn generated_set_has_the_asked_counts_valid_codes_and_every_parent() {
        let set = NationalSet::generate(&real(), 70, 1_000).unwrap();
        assert_eq!(set.by_level(), [3, 4, 5, 70, 1_000]);
        assert_eq!(set.rows(), 1_082);
        let mut codes = HashSet::new();
        for (level, rows) in Level::ALL.into_iter().zip([&set.provinces, &set.cities, &set.counties, &set.towns, &set.villages]) {
            for row in rows {
                let code = RegionCode::parse(&row.code).unwrap_or_else(|e| panic!("{}: {e}", row.code));
                assert_eq!(code.level(), level, "{}", row.code);
                if let Some(parent) = code.parent() {
                    assert!(codes.contains(parent.short()), "{} has no parent", row.code);
                }
                assert!(codes.insert(row.code.clone()), "{} twice", row.code);
                assert!(row.name.chars().count() >= 3, "{}", row.name);
            }
        }
        assert!(set.towns.iter().any(|t| t.name.ends_with("街道")) && set.towns.iter().any(|t| t.name.ends_with('镇')));
        assert!(
            set.villages.iter().any(|v| v.name.ends_with("村村民委员会"))
                && set.villages.iter().any(|v| v.name.ends_with("社区居民委员会"))
        );
        // Spread over every county, not piled on a few.
        let counties_with_towns: HashSet<&str> = set.towns.iter().map(|t| &t.code[..6]).collect();
        assert_eq!(counties_with_towns.len(), 5);
        // The same seed gives the same set.
        assert_eq!(NationalSet::generate(&real(), 70, 1_000).unwrap().villages, set.villages);
    }

    #[test]
    fn written_files_pass_the_importers_checks() {
        let set = NationalSet::generate(&real(), 30, 300).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let paths = set.write_csv(dir.path()).unwrap();
        assert_eq!(paths.len(), 5);
        let files: Vec<ImportFile> = paths.iter().map(|p| ImportFile::read(p).unwrap()).collect();
        let head: Vec<&str> = files[4].text.lines().take(2).collect();
        assert_eq!(head[0], "code,name,streetCode,provinceCode,cityCode,areaCode");
        assert!(head[1].starts_with("110101001001,"), "{}", head[1]);
        let rows = check_files(&files, &HashMap::new()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(rows.len(), set.rows());
    }

    #[test]
    fn national_numbers_fit_the_code_space_and_add_up_exactly() {
        let mut rng = SplitMix64(SEED);
        let weights: Vec<f64> = (0..2_975).map(|_| 0.5 + rng.unit()).collect();
        let towns = apportion(NATIONAL_TOWNS, &weights);
        assert_eq!(towns.iter().sum::<usize>(), NATIONAL_TOWNS);
        assert!(towns.iter().all(|&n| (1..=MAX_TOWNS_PER_COUNTY).contains(&n)), "{:?}", towns.iter().max());
        let weights: Vec<f64> = (0..NATIONAL_TOWNS).map(|_| 0.5 + rng.unit()).collect();
        let villages = apportion(NATIONAL_VILLAGES, &weights);
        assert_eq!(villages.iter().sum::<usize>(), NATIONAL_VILLAGES);
        assert!(villages.iter().all(|&n| n <= MAX_VILLAGES_PER_TOWN));
        assert_eq!(apportion(5, &[]), Vec::<usize>::new());
        assert_eq!(apportion(0, &[1.0, 2.0]), [0, 0]);
    }
}
