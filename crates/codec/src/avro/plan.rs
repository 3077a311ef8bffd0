//! A compiled, flat form of one of our Avro schemas that the direct serde encoder and decoder
//! walk.
//!
//! `apache_avro::Schema` is a tree with named references; walking it per message means name
//! lookups and many branches we never use. A [`Plan`] is compiled once per schema: an arena of
//! [`Node`]s where references are indices, `["null", T]` unions are one [`Node::Optional`], and
//! every record field carries its default already encoded. Only the constructs our contract uses
//! are supported; anything else is refused when the codec is built, never per message.

use std::collections::HashMap;

use apache_avro::Schema;
use apache_avro::schema::{DecimalSchema, InnerDecimalSchema};

use crate::SchemaError;

/// Index of a node in [`Plan::nodes`].
pub(crate) type NodeId = usize;

/// One schema node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// `null`: zero bytes.
    Null,
    /// `boolean`: one byte.
    Boolean,
    /// `int`: zig-zag varint, 32 bits.
    Int,
    /// `long`: zig-zag varint, 64 bits.
    Long,
    /// `string`: length-prefixed UTF-8.
    String,
    /// `bytes` with logical type `decimal`: big-endian two's complement of the unscaled value.
    Decimal {
        /// Maximum number of digits.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// `int` with logical type `date`: days since 1970-01-01.
    Date,
    /// `long` with logical type `timestamp-millis`.
    TimestampMillis,
    /// `long` with logical type `timestamp-micros`.
    TimestampMicros,
    /// An Avro enum: the index of the symbol.
    Enum {
        /// The symbols, in schema order.
        symbols: Vec<String>,
    },
    /// An array in blocks.
    Array {
        /// The item node.
        items: NodeId,
    },
    /// A record: its fields in schema order.
    Record {
        /// Full name, for messages.
        name: String,
        /// The fields.
        fields: Vec<Field>,
    },
    /// A union of `null` and one other type.
    Optional {
        /// The non-null branch.
        inner: NodeId,
        /// Index of the `null` branch in the union (0 for `["null", T]`).
        null_index: u8,
        /// Index of the other branch.
        value_index: u8,
    },
}

/// One record field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The field name (= the JSON field name).
    pub(crate) name: String,
    /// Its node.
    pub(crate) node: NodeId,
    /// The schema default, already Avro-encoded; written when the serialised value omits the
    /// field (the domain types skip `None` and `false` in their JSON form).
    pub(crate) default: Option<Vec<u8>>,
}

/// A compiled schema.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The arena.
    pub(crate) nodes: Vec<Node>,
    /// The top-level node.
    pub(crate) root: NodeId,
}

impl Plan {
    /// Compiles a parsed schema.
    pub(crate) fn compile(schema: &Schema) -> Result<Plan, SchemaError> {
        let mut c = Compiler {
            nodes: Vec::new(),
            names: HashMap::new(),
        };
        let root = c.node(schema, "")?;
        Ok(Plan {
            nodes: c.nodes,
            root,
        })
    }

    /// The node with this id. Ids only come from the plan itself, so the fallback is never
    /// taken; it exists so that no index can panic.
    pub(crate) fn node(&self, id: NodeId) -> &Node {
        self.nodes.get(id).unwrap_or(&Node::Null)
    }
}

struct Compiler {
    nodes: Vec<Node>,
    names: HashMap<String, NodeId>,
}

fn unsupported(path: &str, what: impl std::fmt::Display) -> SchemaError {
    SchemaError::Unsupported {
        path: if path.is_empty() {
            ".".to_owned()
        } else {
            path.to_owned()
        },
        what: what.to_string(),
    }
}

impl Compiler {
    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn node(&mut self, schema: &Schema, path: &str) -> Result<NodeId, SchemaError> {
        let node = match schema {
            Schema::Null => Node::Null,
            Schema::Boolean => Node::Boolean,
            Schema::Int => Node::Int,
            Schema::Long => Node::Long,
            Schema::String => Node::String,
            Schema::Date => Node::Date,
            Schema::TimestampMillis => Node::TimestampMillis,
            Schema::TimestampMicros => Node::TimestampMicros,
            Schema::Decimal(DecimalSchema {
                precision,
                scale,
                inner: InnerDecimalSchema::Bytes,
            }) => Node::Decimal {
                precision: u32::try_from(*precision).map_err(|_| unsupported(path, "precision"))?,
                scale: u32::try_from(*scale).map_err(|_| unsupported(path, "scale"))?,
            },
            Schema::Enum(e) => Node::Enum {
                symbols: e.symbols.clone(),
            },
            Schema::Array(a) => {
                let items = self.node(&a.items, &format!("{path}[]"))?;
                if self.min_size(items, 0) == 0 {
                    // A bogus block count could then make the decoder spin without consuming
                    // input; our schemas never need such arrays.
                    return Err(unsupported(
                        path,
                        "array of items that can encode to 0 bytes",
                    ));
                }
                Node::Array { items }
            }
            Schema::Union(u) => {
                let variants = u.variants();
                let null_pos = variants.iter().position(|v| matches!(v, Schema::Null));
                match (variants.len(), null_pos) {
                    (2, Some(null_index)) => {
                        let value_index = 1 - null_index;
                        let inner_schema = variants
                            .get(value_index)
                            .ok_or_else(|| unsupported(path, "union"))?;
                        let inner = self.node(inner_schema, path)?;
                        Node::Optional {
                            inner,
                            null_index: u8::try_from(null_index).unwrap_or(0),
                            value_index: u8::try_from(value_index).unwrap_or(1),
                        }
                    }
                    _ => return Err(unsupported(path, "union other than [\"null\", T]")),
                }
            }
            Schema::Record(r) => {
                let full = r.name.fullname(None);
                // Register before compiling the fields so that a self-reference resolves.
                let id = self.push(Node::Null);
                self.names.insert(full.clone(), id);
                let mut fields = Vec::with_capacity(r.fields.len());
                for f in &r.fields {
                    let fpath = if path.is_empty() {
                        f.name.clone()
                    } else {
                        format!("{path}.{}", f.name)
                    };
                    let node = self.node(&f.schema, &fpath)?;
                    let default = match &f.default {
                        None => None,
                        Some(d) => Some(self.encode_default(node, d, &fpath)?),
                    };
                    fields.push(Field {
                        name: f.name.clone(),
                        node,
                        default,
                    });
                }
                if let Some(slot) = self.nodes.get_mut(id) {
                    *slot = Node::Record { name: full, fields };
                }
                return Ok(id);
            }
            Schema::Ref { name } => {
                let full = name.fullname(None);
                return self
                    .names
                    .get(&full)
                    .copied()
                    .ok_or_else(|| unsupported(path, format!("unknown reference {full}")));
            }
            other => return Err(unsupported(path, format!("{other:?}"))),
        };
        Ok(self.push(node))
    }

    /// The fewest bytes a value of this node can take; used to refuse arrays whose bogus count
    /// could not be bounded by the input length.
    fn min_size(&self, id: NodeId, depth: usize) -> usize {
        if depth > 32 {
            return 1;
        }
        match self.nodes.get(id) {
            None | Some(Node::Null) => 0,
            Some(Node::Record { fields, .. }) => fields
                .iter()
                .map(|f| self.min_size(f.node, depth + 1))
                .sum(),
            Some(_) => 1,
        }
    }

    /// Encodes a schema default for the node, for the defaults our schemas use.
    fn encode_default(
        &self,
        id: NodeId,
        default: &serde_json::Value,
        path: &str,
    ) -> Result<Vec<u8>, SchemaError> {
        use serde_json::Value as J;
        let mut out = Vec::new();
        match (self.nodes.get(id), default) {
            (Some(Node::Optional { null_index, .. }), J::Null) => {
                super::wire::write_long(&mut out, i64::from(*null_index));
            }
            (Some(Node::Boolean), J::Bool(b)) => out.push(u8::from(*b)),
            (Some(Node::Int | Node::Long), J::Number(n)) => {
                let v = n
                    .as_i64()
                    .ok_or_else(|| unsupported(path, "non-integer default"))?;
                super::wire::write_long(&mut out, v);
            }
            (Some(Node::String), J::String(s)) => super::wire::write_bytes(&mut out, s.as_bytes()),
            (Some(Node::Array { .. }), J::Array(a)) if a.is_empty() => out.push(0),
            _ => return Err(unsupported(path, format!("default {default}"))),
        }
        Ok(out)
    }
}
