//! Generates the Rust types and tonic stubs for `proto/roster/v1/user.proto`,
//! plus a descriptor set for gRPC reflection. protoc comes from the
//! `protoc-bin-vendored` crate, so no system protoc is needed.

use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/roster/v1/user.proto";
    // tonic-prost-build no longer emits these itself.
    println!("cargo:rerun-if-changed={proto}");
    println!("cargo:rerun-if-changed=build.rs");

    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let include = protoc_bin_vendored::include_path()?;
    // prost-build finds protoc through this variable.
    env::set_var("PROTOC", protoc);

    let out = PathBuf::from(env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        .file_descriptor_set_path(out.join("roster_descriptor.bin"))
        .compile_protos(&[PathBuf::from(proto)], &[PathBuf::from("proto"), include])?;
    Ok(())
}
