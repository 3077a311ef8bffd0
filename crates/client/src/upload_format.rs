//! A creditor's upload file, line by line: JSON lines as they are, CSV rows turned into the
//! contract's JSON form (`docs/UPLOADS.md`), each then validated exactly as the pipeline's ingest
//! stage does ([`vroeg_codec::decode_valid_input`]).
//!
//! CSV: the first line is a header of contract field names, nested fields flattened with a dot
//! (`person.initials`, `address.postcode`); `,` or `;` as delimiter (whichever the header uses);
//! fields may be double-quoted (`""` is a quote inside quotes); a record is one line. An empty
//! field means the field is absent; `true`/`false` are booleans; `reminders_sent`,
//! `min_payment_term_days` and `address.house_number` are numbers; everything else is text
//! (amounts stay decimal strings).

use std::borrow::Cow;

use serde_json::{Map, Value};
use vroeg_domain::messages::InputEvent;

/// Which topic an upload goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    /// `vroeg.arrears.v1`: ArrearsEvent.
    Arrears,
    /// `vroeg.objections.v1`: ObjectionEvent.
    Objections,
}

/// How an upload is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    /// One contract JSON object per line.
    Jsonl,
    /// A header of contract field names, then one event per line.
    Csv,
}

/// The CSV columns of an arrears upload, in the documented order.
pub const ARREARS_COLUMNS: &[&str] = &[
    "event_id",
    "creditor_id",
    "sector",
    "event_type",
    "customer_ref",
    "arrears_amount",
    "arrears_since",
    "occurred_at",
    "reminders_sent",
    "personal_contact_attempted",
    "pointed_to_debt_help",
    "data_sharing_offered",
    "objected",
    "consent_ref",
    "crisis",
    "warm_handover",
    "end_of_supply_date",
    "min_payment_term_days",
    "person.initials",
    "person.prefix",
    "person.surname",
    "person.birth_date",
    "person.phone",
    "person.email",
    "address.postcode",
    "address.house_number",
    "address.house_number_addition",
    "address.street",
    "address.city",
    "municipality_code",
];

/// The CSV columns of an objections upload.
pub const OBJECTION_COLUMNS: &[&str] = &[
    "event_id",
    "creditor_id",
    "customer_ref",
    "event_type",
    "consent_ref",
    "occurred_at",
    "address.postcode",
    "address.house_number",
    "address.house_number_addition",
    "address.street",
    "address.city",
];

const REQUIRED_COMMON: &[&str] = &[
    "event_id",
    "creditor_id",
    "customer_ref",
    "event_type",
    "occurred_at",
    "address.postcode",
    "address.house_number",
];

const NUMBER_COLUMNS: &[&str] = &[
    "reminders_sent",
    "min_payment_term_days",
    "address.house_number",
];

const BOOL_COLUMNS: &[&str] = &[
    "personal_contact_attempted",
    "pointed_to_debt_help",
    "data_sharing_offered",
    "objected",
    "crisis",
    "warm_handover",
];

impl TopicKind {
    /// The CSV columns this kind accepts.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            TopicKind::Arrears => ARREARS_COLUMNS,
            TopicKind::Objections => OBJECTION_COLUMNS,
        }
    }

    /// Checks that a valid event belongs on this topic.
    pub fn check(self, event: &InputEvent) -> Result<(), String> {
        match (self, event) {
            (TopicKind::Arrears, InputEvent::Arrears(_))
            | (TopicKind::Objections, InputEvent::Objection(_)) => Ok(()),
            (TopicKind::Arrears, InputEvent::Objection(_)) => Err(
                "an objection/consent event does not belong in an arrears upload \
                 (use --topic-kind objections)"
                    .to_owned(),
            ),
            (TopicKind::Objections, InputEvent::Arrears(_)) => {
                Err("an arrears event does not belong in an objections upload \
                 (use --topic-kind arrears)"
                    .to_owned())
            }
            (_, InputEvent::Feedback(_)) => {
                Err("a feedback event is not a creditor upload".to_owned())
            }
        }
    }
}

/// A parsed CSV header.
#[derive(Debug, Clone)]
pub struct CsvHeader {
    columns: Vec<&'static str>,
    delimiter: u8,
}

impl CsvHeader {
    /// Parses and checks the header line: every column known for `kind`, none twice, the
    /// required ones present.
    pub fn parse(line: &str, kind: TopicKind) -> Result<CsvHeader, String> {
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let delimiter = if line.contains(';') && !line.contains(',') {
            b';'
        } else {
            b','
        };
        let known = kind.columns();
        let mut columns = Vec::new();
        for raw in split_fields(line, delimiter)? {
            let name = raw.trim();
            let Some(col) = known.iter().find(|k| **k == name) else {
                return Err(format!(
                    "unknown column {name:?} (an {} upload has: {})",
                    match kind {
                        TopicKind::Arrears => "arrears",
                        TopicKind::Objections => "objections",
                    },
                    known.join(", ")
                ));
            };
            if columns.contains(col) {
                return Err(format!("column {name:?} appears twice"));
            }
            columns.push(*col);
        }
        let mut required: Vec<&str> = REQUIRED_COMMON.to_vec();
        if kind == TopicKind::Arrears {
            required.push("sector");
        }
        let missing: Vec<&str> = required
            .into_iter()
            .filter(|r| !columns.contains(r))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing required column(s): {}",
                missing.join(", ")
            ));
        }
        Ok(CsvHeader { columns, delimiter })
    }

    /// One data row as the contract's JSON bytes.
    pub fn row_to_json(&self, line: &str) -> Result<Vec<u8>, String> {
        let fields = split_fields(line, self.delimiter)?;
        if fields.len() != self.columns.len() {
            return Err(format!(
                "expected {} fields as in the header, got {}",
                self.columns.len(),
                fields.len()
            ));
        }
        let mut root = Map::new();
        for (col, raw) in self.columns.iter().zip(fields) {
            if raw.is_empty() {
                continue;
            }
            let value = typed(col, raw);
            match col.split_once('.') {
                Some((parent, child)) => {
                    let entry = root
                        .entry(parent.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(m) = entry {
                        m.insert(child.to_owned(), value);
                    }
                }
                None => {
                    root.insert((*col).to_owned(), value);
                }
            }
        }
        serde_json::to_vec(&Value::Object(root)).map_err(|e| e.to_string())
    }
}

fn typed(col: &str, raw: Cow<'_, str>) -> Value {
    if NUMBER_COLUMNS.contains(&col)
        && let Ok(n) = raw.trim().parse::<u64>()
    {
        return Value::from(n);
    }
    if BOOL_COLUMNS.contains(&col) {
        match raw.trim().to_ascii_lowercase().as_str() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    // Anything else is text; a number or boolean that did not parse stays text, so the strict
    // decoder names the field and the problem.
    Value::String(raw.into_owned())
}

/// Splits one CSV line into fields: quotes group, `""` inside quotes is a quote.
pub fn split_fields(line: &str, delimiter: u8) -> Result<Vec<Cow<'_, str>>, String> {
    let bytes = line.as_bytes();
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        if bytes.get(i) == Some(&b'"') {
            // Quoted field.
            let mut value = String::new();
            let mut start = i + 1;
            let mut j = start;
            loop {
                match bytes.get(j) {
                    None => return Err("unterminated quoted field".to_owned()),
                    Some(b'"') if bytes.get(j + 1) == Some(&b'"') => {
                        value.push_str(line.get(start..=j).unwrap_or_default());
                        j += 2;
                        start = j;
                    }
                    Some(b'"') => {
                        value.push_str(line.get(start..j).unwrap_or_default());
                        j += 1;
                        break;
                    }
                    Some(_) => j += 1,
                }
            }
            fields.push(Cow::Owned(value));
            match bytes.get(j) {
                None => return Ok(fields),
                Some(b) if *b == delimiter => i = j + 1,
                Some(_) => return Err("text after a closing quote".to_owned()),
            }
        } else {
            let end = bytes[i..]
                .iter()
                .position(|b| *b == delimiter)
                .map(|p| i + p);
            match end {
                Some(e) => {
                    fields.push(Cow::Borrowed(line.get(i..e).unwrap_or_default()));
                    i = e + 1;
                }
                None => {
                    fields.push(Cow::Borrowed(line.get(i..).unwrap_or_default()));
                    return Ok(fields);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_fields() {
        let f = split_fields(r#"a,"b,c","say ""hi""",,"""#, b',').unwrap();
        assert_eq!(f, vec!["a", "b,c", r#"say "hi""#, "", ""]);
        assert!(split_fields(r#"a,"b"#, b',').is_err());
        assert!(split_fields(r#""b"x,c"#, b',').is_err());
        assert_eq!(split_fields("x;y", b';').unwrap(), vec!["x", "y"]);
    }

    #[test]
    fn header_checks_columns() {
        let e = CsvHeader::parse("event_id,bsn", TopicKind::Arrears).unwrap_err();
        assert!(e.contains("\"bsn\""), "{e}");
        let e = CsvHeader::parse("event_id,event_id", TopicKind::Arrears).unwrap_err();
        assert!(e.contains("twice"), "{e}");
        let e = CsvHeader::parse("event_id,creditor_id", TopicKind::Arrears).unwrap_err();
        assert!(e.contains("address.postcode"), "{e}");
    }

    #[test]
    fn rows_become_contract_json() {
        let h = CsvHeader::parse(
            "\u{feff}event_id;creditor_id;sector;event_type;customer_ref;occurred_at;crisis;\
             reminders_sent;person.initials;address.postcode;address.house_number;consent_ref",
            TopicKind::Arrears,
        )
        .unwrap();
        let json = h
            .row_to_json("e1;c;HUUR;RESOLVED;K1;2026-10-15T09:00:00Z;TRUE;2;A.;3011 AB;10;")
            .unwrap();
        let v: Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["crisis"], Value::Bool(true));
        assert_eq!(v["reminders_sent"], Value::from(2));
        assert_eq!(v["person"]["initials"], "A.");
        assert_eq!(v["address"]["house_number"], Value::from(10));
        assert!(v.get("consent_ref").is_none());
        let e = vroeg_codec::decode_input(&json).unwrap();
        assert_eq!(e.event_id(), "e1");
        assert!(h.row_to_json("e1;c").unwrap_err().contains("expected 12"));
    }
}
