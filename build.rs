//! Generates the Rust types and tonic stubs for `proto/roster/v1/user.proto`,
//! plus a descriptor set for gRPC reflection. protoc comes from the
//! `protoc-bin-vendored` crate, so no system protoc is needed.

use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // error_details.proto is compiled only into the reflection descriptor set
    // (so tools can decode error details); its Rust types are unused.
    let protos = [
        PathBuf::from("proto/roster/v1/user.proto"),
        PathBuf::from("proto/google/rpc/error_details.proto"),
    ];
    // tonic-prost-build no longer emits these itself.
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }
    println!("cargo:rerun-if-changed=build.rs");

    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let include = protoc_bin_vendored::include_path()?;
    // prost-build finds protoc through this variable.
    env::set_var("PROTOC", protoc);

    let out = PathBuf::from(env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        .file_descriptor_set_path(out.join("roster_descriptor.bin"))
        // Written by hand so that the server can splice stored encodings of
        // users into a page (src/api/wire.rs); the same message on the wire.
        .extern_path(
            ".roster.v1.ListUsersResponse",
            "crate::api::wire::ListUsersResponse",
        )
        .compile_protos(&protos, &[PathBuf::from("proto"), include])?;
    Ok(())
}
