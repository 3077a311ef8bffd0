//! What the generator draws from: a seeded RNG, where people live (CBS address counts per PC4),
//! who their creditors are, and Dutch names.

use std::collections::{BTreeMap, HashMap};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use thiserror::Error;
use vroeg_domain::config::CreditorRegistry;
use vroeg_domain::contract::municipality::Gemeentecode;
use vroeg_domain::contract::sector::Sector;

/// Reference data that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{source_name}: line {line}: {problem}")]
pub struct DataError {
    /// The file.
    pub source_name: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// A seeded ChaCha8 generator with the few draws the generator needs. ChaCha8's stream is
/// specified, and every draw here is integer arithmetic on it, so a seed gives the same data on
/// every platform and Rust version.
#[derive(Debug, Clone)]
pub struct Rng(ChaCha8Rng);

impl Rng {
    /// From a seed.
    pub fn new(seed: u64) -> Self {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in `0..n` (0 when `n` is 0). The modulo bias (< 2^-40 for our `n`) is irrelevant
    /// for synthetic data and keeps the stream simple to reason about.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.0.next_u64() % n }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + i64::try_from(self.below(hi.abs_diff(lo) + 1)).unwrap_or(0)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One element (the first of an empty slice is never asked for; `None` then).
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        let n = u64::try_from(xs.len()).unwrap_or(u64::MAX);
        xs.get(usize::try_from(self.below(n)).unwrap_or(0))
    }

    /// An index drawn by weight; `None` when all weights are 0.
    pub fn weighted(&mut self, weights: &[u64]) -> Option<usize> {
        let total: u64 = weights.iter().sum();
        if total == 0 {
            return None;
        }
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return Some(i);
            }
            r -= w;
        }
        None
    }

    /// A random UUID-shaped id (version 4 layout).
    pub fn uuid(&mut self) -> String {
        let a = self.0.next_u64();
        let b = self.0.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// The records of a small reference table after its header line, each with the line it starts
/// on and its fields trimmed (the `csv` crate: quoted CBS names such as
/// `"Nuenen, Gerwen en Nederwetten"`). Blank lines are skipped.
pub fn table_rows(source_name: &str, text: &str) -> Result<Vec<(usize, Vec<String>)>, DataError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        // `\n` only, so line numbers stay exact; a `\r` before it is trimmed with the value.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(text.as_bytes());
    let line_of = |p: Option<&csv::Position>| {
        p.map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX))
    };
    let mut out = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(|e| DataError {
            source_name: source_name.to_owned(),
            line: line_of(e.position()),
            problem: e.to_string(),
        })?;
        let fields: Vec<String> = record.iter().map(|f| f.trim().to_owned()).collect();
        if fields.iter().all(String::is_empty) {
            continue;
        }
        out.push((line_of(record.position()), fields));
    }
    Ok(out)
}

/// Where households live: every (PC4, municipality) pair of `pc4_gemeente.csv`, weighted by its
/// number of addresses, and municipality names for the `city` field.
#[derive(Debug, Clone, Default)]
pub struct Geography {
    /// (pc4, municipality, cumulative address count up to and including this row).
    rows: Vec<(u16, Gemeentecode, u64)>,
    names: HashMap<Gemeentecode, String>,
}

impl Geography {
    /// Parses `pc4_gemeente.csv` (`pc4,gemeentecode,addresses,share,main`) and
    /// `gemeenten.csv` (`code,name,province,province_code`).
    pub fn parse(
        pc4_name: &str,
        pc4_csv: &str,
        gemeenten_name: &str,
        gemeenten_csv: &str,
    ) -> Result<Geography, DataError> {
        let err = |name: &str, line: usize, problem: String| DataError {
            source_name: name.to_owned(),
            line,
            problem,
        };
        let mut geo = Geography::default();
        let mut total = 0u64;
        for (line, f) in table_rows(pc4_name, pc4_csv)? {
            let (Some(pc4), Some(gem), Some(n)) = (f.first(), f.get(1), f.get(2)) else {
                return Err(err(
                    pc4_name,
                    line,
                    "expected pc4,gemeentecode,addresses".into(),
                ));
            };
            let pc4: u16 = pc4
                .parse()
                .ok()
                .filter(|p| (1000..=9999).contains(p))
                .ok_or_else(|| err(pc4_name, line, format!("bad pc4 {pc4:?}")))?;
            let gem: Gemeentecode = gem
                .parse()
                .map_err(|e| err(pc4_name, line, format!("{e}")))?;
            let n: u64 = n
                .parse()
                .map_err(|_| err(pc4_name, line, format!("bad address count {n:?}")))?;
            if n > 0 {
                total += n;
                geo.rows.push((pc4, gem, total));
            }
        }
        if geo.rows.is_empty() {
            return Err(err(pc4_name, 1, "no PC4 with addresses".into()));
        }
        for (line, f) in table_rows(gemeenten_name, gemeenten_csv)? {
            if let (Some(code), Some(name)) = (f.first(), f.get(1)) {
                let code: Gemeentecode = code
                    .parse()
                    .map_err(|e| err(gemeenten_name, line, format!("{e}")))?;
                geo.names.insert(code, name.clone());
            }
        }
        Ok(geo)
    }

    /// A PC4 and its municipality, drawn in proportion to addresses; one in a thousand is a PC4
    /// with no addresses in the table (a PO-box area or a brand-new postcode), which routing
    /// cannot place.
    pub fn draw(&self, rng: &mut Rng) -> Option<(u16, Option<Gemeentecode>)> {
        if rng.chance(1) {
            let pc4 = u16::try_from(rng.range(1000, 9999)).ok()?;
            if self.rows.iter().all(|r| r.0 != pc4) {
                return Some((pc4, None));
            }
        }
        let total = self.rows.last()?.2;
        let r = rng.below(total);
        let i = self.rows.partition_point(|row| row.2 <= r);
        self.rows.get(i).map(|row| (row.0, Some(row.1)))
    }

    /// A municipality's name.
    pub fn name(&self, code: Gemeentecode) -> Option<&str> {
        self.names.get(&code).map(String::as_str)
    }
}

/// Sectors in the mix creditors send, per thousand: rent, health insurance, energy and water most
/// common; the experiments and consent-based sectors a few.
pub const SECTOR_MIX: [(Sector, u64); 13] = [
    (Sector::Huur, 230),
    (Sector::Zorg, 190),
    (Sector::Energie, 190),
    (Sector::Water, 140),
    (Sector::Cak, 60),
    (Sector::Telecom, 45),
    (Sector::Bank, 35),
    (Sector::Verzekering, 30),
    (Sector::Duo, 20),
    (Sector::Belastingdienst, 20),
    (Sector::Toeslagen, 10),
    (Sector::Hypotheek, 20),
    (Sector::Overig, 10),
];

/// Creditor ids used when the registry has none for a sector and allows unregistered creditors.
fn builtin_creditors(sector: Sector) -> &'static [&'static str] {
    match sector {
        Sector::Huur => &[
            "woonstad-rotterdam",
            "haag-wonen",
            "ymere",
            "de-alliantie",
            "havensteder",
            "staedion",
        ],
        Sector::Energie => &["vattenfall", "eneco", "essent", "greenchoice"],
        Sector::Water => &["evides", "dunea", "waternet", "vitens"],
        Sector::Zorg => &["zilveren-kruis", "vgz", "cz", "menzis"],
        Sector::Cak => &["cak"],
        Sector::Duo => &["duo"],
        Sector::Belastingdienst => &["belastingdienst"],
        Sector::Toeslagen => &["dienst-toeslagen"],
        Sector::Hypotheek => &["rabobank-hypotheken"],
        Sector::Bank => &["ing-bank", "abn-amro"],
        Sector::Telecom => &["kpn", "vodafoneziggo", "odido"],
        Sector::Verzekering => &["achmea-schade"],
        Sector::Overig => &["wehkamp"],
    }
}

/// Creditors per sector, with the sector weights that can actually be used.
#[derive(Debug, Clone)]
pub struct CreditorPool {
    by_sector: BTreeMap<Sector, Vec<String>>,
    weights: Vec<(Sector, u64)>,
}

impl CreditorPool {
    /// The registry's creditors per sector. When the registry allows unregistered creditors, the
    /// built-in names join them (more variety); otherwise a sector without registered creditors
    /// is left out, since its events would only be rejected.
    pub fn from_registry(registry: &CreditorRegistry) -> Self {
        let mut by_sector: BTreeMap<Sector, Vec<String>> = BTreeMap::new();
        for c in registry.by_id.values() {
            by_sector
                .entry(c.sector)
                .or_default()
                .push(c.creditor_id.clone());
        }
        if registry.allow_unregistered {
            for (sector, _) in SECTOR_MIX {
                let names = by_sector.entry(sector).or_default();
                for b in builtin_creditors(sector) {
                    // A built-in name registered under another sector would be rejected.
                    if !registry.by_id.contains_key(*b) && !names.iter().any(|n| n == b) {
                        names.push((*b).to_owned());
                    }
                }
            }
        }
        let weights = SECTOR_MIX
            .iter()
            .map(|&(s, w)| (s, if by_sector.contains_key(&s) { w } else { 0 }))
            .collect();
        CreditorPool { by_sector, weights }
    }

    /// The built-in pool (every sector, built-in names).
    pub fn builtin() -> Self {
        Self::from_registry(&CreditorRegistry {
            by_id: BTreeMap::new(),
            allow_unregistered: true,
        })
    }

    /// A sector (by the mix) and one of its creditors.
    pub fn draw(&self, rng: &mut Rng) -> Option<(Sector, String)> {
        let w: Vec<u64> = self.weights.iter().map(|&(_, w)| w).collect();
        let sector = self.weights.get(rng.weighted(&w)?)?.0;
        let creditor = rng.pick(self.by_sector.get(&sector)?)?.clone();
        Some((sector, creditor))
    }
}

/// Common Dutch surnames (CBS top names) with their prefixes.
pub const SURNAMES: [(&str, &str); 24] = [
    ("", "Jansen"),
    ("de", "Vries"),
    ("van den", "Berg"),
    ("van", "Dijk"),
    ("", "Bakker"),
    ("", "Janssen"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("", "Brouwer"),
    ("de", "Wit"),
    ("", "Yilmaz"),
    ("el", "Amrani"),
    ("", "Kaya"),
    ("", "Nguyen"),
];

/// Street names found in most Dutch towns.
pub const STREETS: [&str; 12] = [
    "Kerkstraat",
    "Schoolstraat",
    "Molenweg",
    "Dorpsstraat",
    "Stationsweg",
    "Julianastraat",
    "Beatrixlaan",
    "Wilhelminastraat",
    "Nieuwstraat",
    "Parallelweg",
    "Lindelaan",
    "Eikenlaan",
];

/// Postcode letters: PostNL never issues SA, SD or SS.
pub fn postcode_letters(rng: &mut Rng) -> String {
    loop {
        let a = char::from(b'A' + u8::try_from(rng.below(26)).unwrap_or(0));
        let b = char::from(b'A' + u8::try_from(rng.below(26)).unwrap_or(0));
        if !(a == 'S' && matches!(b, 'A' | 'D' | 'S')) {
            return format!("{a}{b}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_seeded_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let x = a.range(-3, 3);
            assert_eq!(x, b.range(-3, 3));
            assert!((-3..=3).contains(&x));
        }
        assert_ne!(Rng::new(1).uuid(), Rng::new(2).uuid());
        assert_eq!(Rng::new(1).uuid().len(), 36);
    }

    #[test]
    fn csv_honours_quotes() {
        let rows = table_rows(
            "g",
            "code,name,province,n\r\n\r\n0820,\"Nuenen, Gerwen en Nederwetten\",Noord-Brabant,30\r\n",
        )
        .unwrap();
        assert_eq!(
            rows,
            [(
                3,
                vec![
                    "0820".to_owned(),
                    "Nuenen, Gerwen en Nederwetten".to_owned(),
                    "Noord-Brabant".to_owned(),
                    "30".to_owned()
                ]
            )]
        );
    }

    #[test]
    fn geography_draws_by_address_count() {
        let geo = Geography::parse(
            "pc4",
            "pc4,gemeentecode,addresses,share,main\n3011,0599,900,1.0,1\n2511,0518,100,1.0,1\n",
            "g",
            "code,name,province,province_code\n0599,Rotterdam,Zuid-Holland,28\n",
        )
        .unwrap();
        let mut rng = Rng::new(1);
        let n = (0..10_000)
            .filter(|_| geo.draw(&mut rng).unwrap().0 == 3011)
            .count();
        assert!((8_650..9_300).contains(&n), "{n}");
        assert_eq!(geo.name("0599".parse().unwrap()), Some("Rotterdam"));
        assert!(Geography::parse("p", "h\nx,0599,1\n", "g", "").is_err());
    }

    #[test]
    fn postcode_letters_avoid_reserved_pairs() {
        let mut rng = Rng::new(3);
        for _ in 0..5_000 {
            let l = postcode_letters(&mut rng);
            assert!(!matches!(l.as_str(), "SA" | "SD" | "SS"));
        }
    }
}
