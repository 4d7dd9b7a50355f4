// Copyright (c) 2026, The rav1e contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! WebAssembly SIMD128 kernels (`core::arch::wasm32`).
//!
//! WebAssembly has no run-time feature detection: these are compiled in when
//! the crate is built with `-C target-feature=+simd128` and replace the Rust
//! reference kernels unconditionally (the `CpuFeatureLevel` argument is
//! ignored). Every kernel is bit-exact with the Rust reference; the tests in
//! each module compare them (run them with `tools/wasi-run.mjs`, see
//! `tools/README-wasm-simd.md`).

pub mod cdef;
pub mod dist;
pub mod mc;
pub mod transform;
