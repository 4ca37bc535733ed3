//! Integration tests of the indicators: equality with TA-Lib's outputs on a fixed
//! synthetic series (fixtures/, made by fixtures/make_talib_fixtures.py), streaming
//! forms equal to batch forms, direct computations for what TA-Lib lacks, and parameter
//! errors.
mod errors;
mod fixtures;
mod references;
mod streaming;
mod talib;
