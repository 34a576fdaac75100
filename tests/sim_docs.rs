//! docs/MODEL.md stays in step with the code: every named parameter of the simulator is in its
//! table with its default, and every library scenario's parameters exist (they are checked
//! when parsed).

#[test]
fn every_parameter_is_documented_with_its_default() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/MODEL.md")).unwrap();
    for p in baton::sim::PARAMETERS {
        let default = if p.default == p.default.trunc() {
            format!("{}", p.default as i64)
        } else {
            format!("{}", p.default)
        };
        let row = format!("| `{}` | {} |", p.name, default);
        assert!(doc.contains(&row), "docs/MODEL.md lacks the row {row}");
        if p.source == baton::sim::params::Source::Assumption {
            assert!(
                p.cite.contains("assumption"),
                "{} is labelled an assumption",
                p.name
            );
        }
    }
}
