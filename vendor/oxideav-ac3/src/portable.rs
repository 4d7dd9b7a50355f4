//! Fanout patch: the transcendental functions through the `libm` crate, so
//! the decoder computes the same bits natively (glibc) and in WebAssembly
//! (Rust's libm port). See FANOUT-PATCH.md.

#![allow(dead_code)]

pub(crate) trait Portable: Sized {
    fn pcos(self) -> Self;
    fn psin(self) -> Self;
    fn pexp(self) -> Self;
    fn ppowf(self, e: Self) -> Self;
    fn pln(self) -> Self;
    fn plog10(self) -> Self;
    fn plog2(self) -> Self;
    fn patan2(self, other: Self) -> Self;
    fn phypot(self, other: Self) -> Self;
    fn psin_cos(self) -> (Self, Self);
}

impl Portable for f32 {
    fn pcos(self) -> f32 { libm::cosf(self) }
    fn psin(self) -> f32 { libm::sinf(self) }
    fn pexp(self) -> f32 { libm::expf(self) }
    fn ppowf(self, e: f32) -> f32 { libm::powf(self, e) }
    fn pln(self) -> f32 { libm::logf(self) }
    fn plog10(self) -> f32 { libm::log10f(self) }
    fn plog2(self) -> f32 { libm::log2f(self) }
    fn patan2(self, other: f32) -> f32 { libm::atan2f(self, other) }
    fn phypot(self, other: f32) -> f32 { libm::hypotf(self, other) }
    fn psin_cos(self) -> (f32, f32) { (libm::sinf(self), libm::cosf(self)) }
}

impl Portable for f64 {
    fn pcos(self) -> f64 { libm::cos(self) }
    fn psin(self) -> f64 { libm::sin(self) }
    fn pexp(self) -> f64 { libm::exp(self) }
    fn ppowf(self, e: f64) -> f64 { libm::pow(self, e) }
    fn pln(self) -> f64 { libm::log(self) }
    fn plog10(self) -> f64 { libm::log10(self) }
    fn plog2(self) -> f64 { libm::log2(self) }
    fn patan2(self, other: f64) -> f64 { libm::atan2(self, other) }
    fn phypot(self, other: f64) -> f64 { libm::hypot(self, other) }
    fn psin_cos(self) -> (f64, f64) { (libm::sin(self), libm::cos(self)) }
}
