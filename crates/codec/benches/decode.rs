//! Decode and encode throughput of the contract's example ArrearsEvent: JSON vs Avro
//! single-object encoding (the direct serde fast path).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vroeg_codec::{Codec, WireFormat};
use vroeg_domain::contract::messages::ArrearsEvent;

const EXAMPLE: &str = r#"{"event_id":"5f0c6a2e-1d7b-4c8e-9a51-0b7d2c1e9f00","creditor_id":"woonstad-rotterdam",
"sector":"HUUR","event_type":"ARREARS","customer_ref":"K-000123","arrears_amount":"512.40",
"arrears_since":"2026-09-01","occurred_at":"2026-10-15T09:00:00Z","reminders_sent":1,
"personal_contact_attempted":true,"pointed_to_debt_help":true,"data_sharing_offered":true,
"objected":false,"consent_ref":null,"crisis":false,"warm_handover":false,"end_of_supply_date":null,
"person":{"initials":"A.","prefix":"van","surname":"Dijk","birth_date":"1985-06-15",
"phone":"+31612345678","email":"a.vandijk@example.nl"},
"address":{"postcode":"3011 AB","house_number":10,"house_number_addition":"A",
"street":"Voorbeeldstraat","city":"Rotterdam"},"municipality_code":null}"#;

fn bench(c: &mut Criterion) {
    let codec = Codec::new().unwrap();
    let event: ArrearsEvent = codec.decode(EXAMPLE.as_bytes()).unwrap();
    let mut json = Vec::new();
    codec.encode(&event, WireFormat::Json, &mut json).unwrap();
    let mut avro = Vec::new();
    codec
        .encode(&event, WireFormat::AvroSingleObject, &mut avro)
        .unwrap();
    // The same event as an older producer writes it: v0 schema, registered under id 1.
    codec
        .register(1, vroeg_codec::schemas::HISTORY[0].1)
        .unwrap();
    let mut conf_current = Vec::new();
    codec
        .encode(
            &event,
            WireFormat::Confluent { schema_id: 1 },
            &mut conf_current,
        )
        .unwrap();

    let mut g = c.benchmark_group("decode_arrears");
    g.throughput(Throughput::Elements(1));
    g.bench_function("json", |b| {
        b.iter(|| codec.decode::<ArrearsEvent>(black_box(&json)).unwrap())
    });
    g.bench_function("avro_single_object", |b| {
        b.iter(|| codec.decode::<ArrearsEvent>(black_box(&avro)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("encode_arrears");
    g.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(1024);
    g.bench_function("json", |b| {
        b.iter(|| {
            out.clear();
            codec
                .encode(black_box(&event), WireFormat::Json, &mut out)
                .unwrap();
        })
    });
    g.bench_function("avro_single_object", |b| {
        b.iter(|| {
            out.clear();
            codec
                .encode(black_box(&event), WireFormat::AvroSingleObject, &mut out)
                .unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
