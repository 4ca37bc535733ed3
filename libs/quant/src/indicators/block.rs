//! Batch outputs built a block of positions at a time: the batch forms of ATR, MACD,
//! WMA, STDDEV and Bollinger turn `W` aligned positions of their inputs into `W` values of
//! each output per step, through a step function that carries its running state in a
//! small `Copy` struct.
//!
//! A block of inputs and outputs stays in registers and L1, so the per-position work
//! vectorizes and the recurrences take the blocked form of [`super::kernel::scan`]. Each
//! output is a `Vec<[f64; W]>` extended from an iterator and flattened at the end.
//!
//! Measured over 1,000,000 bars, the shapes that are fast differ with the number of
//! outputs. One output: blocks of 16, extended from an exact-size iterator, which checks
//! capacity once for the whole series and writes each block in place (appending values or
//! slices per block checks every time, and the never-taken reallocation on that path made
//! the compiler keep the running state in memory: 20 to 40% slower). Several outputs: a
//! tuple of columns extended with tuples of blocks of [`LANES`] (`Extend` for tuples),
//! whose blocks stay in registers up to their store (three outputs of blocks of 16 went
//! through the stack: 3.4 against 2.1 ns per position). Either way the running state
//! should hold only what changes: [`extend`] copies it out after every step.

/// Positions per step of the single-output kernels: large enough to amortize the carried
/// recurrences, small enough for the step's arrays to stay in registers and L1 (8 and
/// 32 measured slower).
pub(crate) const BLOCK: usize = 16;

/// One step's worth of values of one series, for the single-output kernels.
pub(crate) type Block = [f64; BLOCK];

/// Positions per step of the kernels with several outputs (8 measured no faster).
pub(crate) const LANES: usize = 4;

/// One step's worth of values of one series, for the kernels with several outputs.
pub(crate) type Lanes = [f64; LANES];

/// An output under construction: room for `len` positions in blocks of `W`.
pub(crate) fn column<const W: usize>(len: usize) -> Vec<[f64; W]> {
    Vec::with_capacity(len.div_ceil(W))
}

/// Appends values computed one by one (warm-up, seeds): a whole number of blocks, or the
/// rest of the series (the space after the last value is cut off by [`into_series`]).
pub(crate) fn push_values<const W: usize>(column: &mut Vec<[f64; W]>, values: &[f64]) {
    let (blocks, rest) = values.as_chunks::<W>();
    column.extend_from_slice(blocks);
    if !rest.is_empty() {
        column.push(padded(rest, f64::NAN));
    }
}

/// Appends what `step` makes of each of `inputs`, starting from `state`; returns the
/// state after the last input. `outputs` is a column or a tuple of columns.
pub(crate) fn extend<S: Copy, I, T>(
    outputs: &mut impl Extend<T>,
    inputs: impl Iterator<Item = I>,
    state: S,
    step: impl Fn(&mut S, I) -> T,
) -> S {
    let mut last = state;
    // The state moves into the closure so that it lives in registers; a copy goes out
    // through `last` after each step (a store off the dependency chain). Inlined always:
    // the tuple `Extend` otherwise calls it per step and copies the blocks it returns.
    let out = &mut last;
    let mut state = state;
    outputs.extend(inputs.map(
        #[inline(always)]
        move |input| {
            let blocks = step(&mut state, input);
            *out = state;
            blocks
        },
    ));
    last
}

/// The series of `len` positions that `column` holds.
pub(crate) fn into_series<const W: usize>(column: Vec<[f64; W]>, len: usize) -> Vec<f64> {
    let mut series = column.into_flattened();
    series.truncate(len);
    series
}

/// `values` (at most `W` of them) followed by `fill`: the inputs of a last, partial block,
/// or its leading values.
pub(crate) fn padded<const W: usize>(values: &[f64], fill: f64) -> [f64; W] {
    let mut block = [fill; W];
    block[..values.len()].copy_from_slice(values);
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_values_steps_and_a_partial_tail() {
        let len = 2 * BLOCK + 3;
        let mut column = column::<BLOCK>(len);
        let lead: Vec<f64> = (0..BLOCK).map(|i| i as f64).collect();
        push_values(&mut column, &lead);
        let inputs: Vec<Block> = vec![[1.0; BLOCK]];
        let total = extend(&mut column, inputs.iter(), 0.0, |sum: &mut f64, input| {
            let mut block = [0.0; BLOCK];
            for (slot, value) in block.iter_mut().zip(input) {
                *sum += value;
                *slot = *sum;
            }
            block
        });
        assert_eq!(total, BLOCK as f64);
        column.push([7.0; BLOCK]);
        let series = into_series(column, len);
        assert_eq!(series.len(), len);
        assert_eq!(&series[..BLOCK], lead.as_slice());
        assert_eq!(series[BLOCK], 1.0);
        assert_eq!(series[2 * BLOCK - 1], BLOCK as f64);
        assert_eq!(&series[2 * BLOCK..], &[7.0; 3]);
    }

    #[test]
    fn tuples_of_columns_and_short_series() {
        let mut columns = (column::<LANES>(LANES), column::<LANES>(LANES));
        let inputs = [[2.0; LANES]];
        extend(&mut columns, inputs.iter(), (), |_, input: &Lanes| {
            (*input, input.map(|x| -x))
        });
        assert_eq!(into_series(columns.1, 3), vec![-2.0; 3]);
        let mut short = column::<LANES>(3);
        push_values(&mut short, &[1.0, 2.0, 3.0]);
        assert_eq!(into_series(short, 3), vec![1.0, 2.0, 3.0]);
        assert_eq!(padded::<4>(&[1.0], 0.0), [1.0, 0.0, 0.0, 0.0]);
    }
}
