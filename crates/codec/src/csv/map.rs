//! One mapping from a CSV record to a contract event, for every kind of upload.
//!
//! Decode then validate, as the pipeline does, but so that every problem of a line is found:
//! each cell is first checked on its own (its type's rule, whether it is required), then the
//! object is decoded by the contract's strict decoder and checked across fields (`validate()`).
//! A required cell that failed stands in as a valid placeholder for that second step, so one bad
//! date does not hide a missing amount; whatever the second step says about a field already
//! reported is dropped.

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use vroeg_domain::contract::messages::InputEvent;

use super::columns::{self, Column, REQUIRED_IN_OBJECT, Ty, Use};
use super::read::CsvRow;
use super::{Accepted, CsvError, CsvKind, Fill, Problem, Rejected};

/// A checked header: which column each field fills.
#[derive(Debug, Clone)]
pub struct Header {
    kind: CsvKind,
    /// Per field position: its column, or `None` for a column without a name (Excel's trailing
    /// delimiters), whose cells must then be empty.
    columns: Vec<Option<&'static Column>>,
    delimiter: u8,
}

impl Header {
    /// Checks a header's names: each a column of `kind` (case does not matter), none twice, the
    /// required ones present. Any problem makes the whole file unusable.
    pub fn parse(names: &[String], kind: CsvKind, delimiter: u8) -> Result<Header, CsvError> {
        let mut columns: Vec<Option<&'static Column>> = Vec::with_capacity(names.len());
        for raw in names {
            let name = raw.trim().to_ascii_lowercase();
            if name.is_empty() {
                columns.push(None);
                continue;
            }
            let Some(col) = columns::find(&name, kind) else {
                return Err(CsvError::Header(format!(
                    "unknown column {name:?} ({} upload has: {})",
                    kind.article(),
                    columns::column_names(kind).join(", ")
                )));
            };
            if columns.iter().flatten().any(|c| c.name == col.name) {
                return Err(CsvError::Header(format!("column {name:?} appears twice")));
            }
            columns.push(Some(col));
        }
        let missing: Vec<&str> = columns::COLUMNS
            .iter()
            .filter(|c| c.usage(kind) == Use::Required)
            .filter(|c| !columns.iter().flatten().any(|h| h.name == c.name))
            .map(|c| c.name)
            .collect();
        if !missing.is_empty() {
            return Err(CsvError::Header(format!(
                "missing required column(s): {}",
                missing.join(", ")
            )));
        }
        Ok(Header {
            kind,
            columns,
            delimiter,
        })
    }

    /// The upload kind.
    pub fn kind(&self) -> CsvKind {
        self.kind
    }

    /// The delimiter found in the header line.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The contract field paths of the named columns, in file order.
    pub fn column_names(&self) -> Vec<&'static str> {
        self.columns.iter().flatten().map(|c| c.name).collect()
    }

    /// One record as its contract event and JSON, or every problem it has.
    pub fn check(&self, row: &CsvRow, fill: &Fill) -> Result<Accepted, Rejected> {
        let cells = match &row.cells {
            Ok(c) => c,
            Err(p) => {
                return Err(Rejected {
                    event_id: fill.event_id.clone(),
                    problems: vec![p.clone()],
                });
            }
        };
        let cell = |name: &str| -> Option<&str> {
            let i = self
                .columns
                .iter()
                .position(|c| c.is_some_and(|c| c.name == name))?;
            cells
                .get(i)
                .map(String::as_str)
                .filter(|v| !v.trim().is_empty())
        };
        let event_id = cell("event_id")
            .map(str::to_owned)
            .or_else(|| fill.event_id.clone());
        if cells.len() != self.columns.len() {
            return Err(Rejected {
                event_id,
                problems: vec![Problem::new(
                    "",
                    format!(
                        "expected {} fields as in the header, got {}",
                        self.columns.len(),
                        cells.len()
                    ),
                )],
            });
        }
        let mut problems = Vec::new();
        // Fields that hold a placeholder or were left out because of a reported problem.
        let mut reported: BTreeSet<&'static str> = BTreeSet::new();
        let mut root = Map::new();
        let objects_filled: BTreeSet<&str> = self
            .columns
            .iter()
            .zip(cells)
            .filter_map(|(c, v)| c.filter(|_| !v.trim().is_empty()))
            .filter_map(|c| c.name.split_once('.').map(|(parent, _)| parent))
            .collect();
        for (i, col) in self.columns.iter().enumerate() {
            let value = cells.get(i).map(String::as_str).unwrap_or_default();
            let Some(col) = col else {
                if !value.trim().is_empty() {
                    problems.push(Problem::new(
                        "",
                        format!("field {} has a value but its column has no name", i + 1),
                    ));
                }
                continue;
            };
            let filled = match col.name {
                "event_id" if value.trim().is_empty() => fill.event_id.as_deref(),
                "occurred_at" if value.trim().is_empty() => fill.occurred_at.as_deref(),
                _ if value.trim().is_empty() => None,
                _ => Some(value),
            };
            let required = col.usage(self.kind) == Use::Required
                || matches!(col.name, "event_id" | "occurred_at")
                || (REQUIRED_IN_OBJECT.contains(&col.name)
                    && col
                        .name
                        .split_once('.')
                        .is_some_and(|(p, _)| objects_filled.contains(p)));
            let typed = match filled {
                Some(v) => columns::typed(col.ty, v),
                None if required => Err(required_rule(col)),
                None => continue,
            };
            let json = match typed {
                Ok(json) => json,
                Err(rule) => {
                    problems.push(Problem::new(col.name, rule));
                    reported.insert(col.name);
                    if !required {
                        continue;
                    }
                    columns::placeholder(col.ty)
                }
            };
            insert(&mut root, col.name, json);
        }
        // Feedback lines may leave event_id and occurred_at out entirely: the caller's values.
        for (name, value) in [
            ("event_id", &fill.event_id),
            ("occurred_at", &fill.occurred_at),
        ] {
            if let Some(v) = value
                && !root.contains_key(name)
                && !reported.contains(name)
            {
                root.insert(name.to_owned(), Value::String(v.clone()));
            }
        }
        // A broken event_type makes every "required for <type>" meaningless: stop at the cells.
        if reported.contains("event_type") {
            return Err(Rejected { event_id, problems });
        }
        let json = Value::Object(root);
        let bytes = serde_json::to_vec(&json).unwrap_or_default();
        let event = match decode(self.kind, &bytes) {
            Ok(e) => e,
            Err(errors) => {
                for e in errors {
                    // Cells are checked by type first, so this is a gap in the column table;
                    // say where without the decoder's text, which may quote the value.
                    if !reported.iter().any(|r| covers(r, &e.field)) {
                        let rule = if e.problem.starts_with("missing field") {
                            "required"
                        } else {
                            "not a valid value here"
                        };
                        problems.push(Problem::new(e.field, rule));
                    }
                }
                return Err(Rejected { event_id, problems });
            }
        };
        if let Err(errors) = event.validate() {
            for e in errors {
                if !reported.iter().any(|r| covers(r, &e.field)) {
                    problems.push(Problem::new(e.field, e.problem));
                }
            }
        }
        if problems.is_empty() {
            Ok(Accepted { event, json: bytes })
        } else {
            Err(Rejected { event_id, problems })
        }
    }
}

/// Whether a problem reported for `reported` also covers one found at `field` (the same field,
/// or the object it is part of).
fn covers(reported: &str, field: &str) -> bool {
    reported == field
        || reported
            .split_once('.')
            .is_some_and(|(parent, _)| parent == field)
}

fn required_rule(col: &Column) -> String {
    match col.name {
        "contact_attempt.soort" | "contact_attempt.bereikt" | "contact_attempt.datum" => {
            "required when any contact_attempt column is filled in".to_owned()
        }
        _ if col.ty == Ty::Date => format!("required ({})", columns::DATE_RULE),
        _ if col.ty == Ty::Time => format!("required ({})", columns::TIME_RULE),
        _ => "required".to_owned(),
    }
}

/// Adds a value at a dotted path (`address.postcode` into the `address` object).
fn insert(root: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        Some((parent, child)) => {
            let entry = root
                .entry(parent.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                m.insert(child.to_owned(), value);
            }
        }
        None => {
            root.insert(path.to_owned(), value);
        }
    }
}

fn decode(
    kind: CsvKind,
    json: &[u8],
) -> Result<InputEvent, Vec<vroeg_domain::contract::messages::FieldError>> {
    let r = match kind {
        CsvKind::Arrears => crate::json::decode(json).map(InputEvent::Arrears),
        CsvKind::Objections => crate::json::decode(json).map(InputEvent::Objection),
        CsvKind::Feedback => crate::json::decode(json).map(InputEvent::Feedback),
    };
    r.map_err(|e| e.errors)
}
