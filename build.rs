//! Generates the Rust types and tonic stubs for `proto/roster/v1/user.proto`,
//! plus a descriptor set for gRPC reflection. protoc comes from the
//! `protoc-bin-vendored` crate, so no system protoc is needed.
//!
//! Also lists the admin console's built files (`console/dist`, committed;
//! scripts/build-console makes them) for `include_bytes!`, so that the
//! binary serves them with nothing beside it.

use std::{
    env, fs,
    path::{Path, PathBuf},
};

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
        // The same for GetInfo's answer, which the server encodes once per
        // cached caller.
        .extern_path(
            ".roster.v1.GetUserInfoResponse",
            "crate::api::wire::GetUserInfoResponse",
        )
        .compile_protos(&protos, &[PathBuf::from("proto"), include])?;
    console_assets(&out)?;
    Ok(())
}

/// Writes `console_assets.rs`: every file under `console/dist` as
/// `(path relative to it, include_bytes!(absolute path))`, sorted by path.
fn console_assets(out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let dist = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?).join("console/dist");
    // A directory here makes cargo rerun the script when any file under it
    // changes, appears or goes.
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    if dist.is_dir() {
        walk(&dist, &mut files)?;
    }
    files.sort();
    let mut code = String::from("&[\n");
    for file in &files {
        let relative = file
            .strip_prefix(&dist)?
            .to_str()
            .ok_or("a non-UTF-8 path")?;
        code.push_str(&format!(
            "    ({:?}, include_bytes!({:?})),\n",
            relative.replace('\\', "/"),
            file.to_str().ok_or("a non-UTF-8 path")?
        ));
    }
    code.push(']');
    fs::write(out.join("console_assets.rs"), code)?;
    Ok(())
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}
