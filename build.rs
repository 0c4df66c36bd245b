//! Tells the tests whether the cabinet conformance suite (`../shared/conformance/cabs`, kept
//! outside this repository for its licence) is present: without it, those tests are reported
//! as ignored by `cargo test`, never counted as passes.

fn main() {
    let suite = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cabs");
    println!("cargo::rustc-check-cfg=cfg(conformance_suite)");
    println!("cargo::rerun-if-changed={}", suite.display());
    println!("cargo::rerun-if-env-changed=CI");
    if suite.is_dir() {
        println!("cargo::rustc-cfg=conformance_suite");
    }
}
