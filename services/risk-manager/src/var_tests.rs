//! VaR and ES against values worked out by hand (and the normal quantiles from tables).
use super::*;

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

#[test]
fn normal_quantiles_match_the_tables() {
    close(normal_quantile(0.5), 0.0, 1e-12);
    close(normal_quantile(0.95), 1.644_853_626_951_472, 1e-8);
    close(normal_quantile(0.99), 2.326_347_874_040_841, 1e-8);
    close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-8);
    close(normal_quantile(0.01), -2.326_347_874_040_841, 1e-8);
    close(normal_quantile(0.001), -3.090_232_306_167_813, 1e-8);
    close(normal_density(0.0), 0.398_942_280_401_432_7, 1e-12);
    close(
        normal_density(1.644_853_626_951_472),
        0.103_135_640_375_371_5,
        1e-12,
    );
}

#[test]
fn historical_var_is_the_ceil_c_n_th_smallest_loss_and_es_the_mean_beyond_it() {
    // One position worth 100; returns -2%, 1%, -5%, 3%, 0%.
    let pnl = portfolio_pnl(
        &[100.0],
        &[vec![-0.02], vec![0.01], vec![-0.05], vec![0.03], vec![0.0]],
    )
    .unwrap();
    // Losses sorted: -3, -1, 0, 2, 5.
    let tail = historical(&pnl, 0.8).unwrap();
    close(tail.value_at_risk, 2.0, 1e-9); // rank ceil(4.0) = 4
    close(tail.expected_shortfall, 5.0, 1e-9);
    let tail = historical(&pnl, 0.5).unwrap();
    close(tail.value_at_risk, 0.0, 1e-9); // rank ceil(2.5) = 3
    close(tail.expected_shortfall, 3.5, 1e-9); // mean of 2 and 5
    let tail = historical(&pnl, 0.95).unwrap();
    close(tail.value_at_risk, 5.0, 1e-9); // rank 5: nothing beyond, ES = VaR
    close(tail.expected_shortfall, 5.0, 1e-9);
}

#[test]
fn historical_pnl_sums_value_times_return_over_positions() {
    // Long 1000 of A, short 500 of B.
    let returns = [
        vec![0.01, 0.02],   // 10 - 10 = 0
        vec![-0.02, -0.01], // -20 + 5 = -15
        vec![0.03, 0.0],    // 30
        vec![-0.01, 0.04],  // -10 - 20 = -30
    ];
    let pnl = portfolio_pnl(&[1000.0, -500.0], &returns).unwrap();
    for (actual, expected) in pnl.iter().zip([0.0, -15.0, 30.0, -30.0]) {
        close(*actual, expected, 1e-9);
    }
    // Losses sorted: -30, 0, 15, 30; rank ceil(0.75 x 4) = 3.
    let tail = historical(&pnl, 0.75).unwrap();
    close(tail.value_at_risk, 15.0, 1e-9);
    close(tail.expected_shortfall, 30.0, 1e-9);
}

#[test]
fn sample_covariance_divides_by_n_minus_one() {
    let returns = [
        vec![0.01, 0.02],
        vec![0.02, 0.01],
        vec![-0.01, -0.02],
        vec![0.0, 0.01],
        vec![-0.02, -0.02],
    ];
    let matrix = covariance(2, &returns).unwrap();
    // Both means are 0: sums of products / 4.
    close(matrix[0][0], 0.000_25, 1e-15);
    close(matrix[1][1], 0.000_35, 1e-15);
    close(matrix[0][1], 0.000_25, 1e-15);
    close(matrix[1][0], 0.000_25, 1e-15);
}

#[test]
fn parametric_var_and_es_of_uncorrelated_positions() {
    // var(A) = 0.001 / 3, var(B) = 0.0004 / 3, cov = 0; values 1000 and 2000:
    // sigma^2 = 1e6 x 0.001/3 + 4e6 x 0.0004/3 = 2600 / 3, sigma = 29.4392028877595.
    let returns = [
        vec![0.01, 0.01],
        vec![-0.01, 0.01],
        vec![0.02, -0.01],
        vec![-0.02, -0.01],
    ];
    let tail = parametric(&[1000.0, 2000.0], &returns, 0.95).unwrap();
    // VaR = 1.6448536 x sigma; ES = sigma x 0.1031356 / 0.05.
    close(tail.value_at_risk, 48.423_179_644_491, 1e-6);
    close(tail.expected_shortfall, 60.724_620_839_391, 1e-6);
}

#[test]
fn parametric_var_counts_the_covariance_of_a_hedge() {
    // sigma^2 = 100^2 x 0.00025 + 50^2 x 0.00035 - 2 x 100 x 50 x 0.00025 = 0.875.
    let returns = [
        vec![0.01, 0.02],
        vec![0.02, 0.01],
        vec![-0.01, -0.02],
        vec![0.0, 0.01],
        vec![-0.02, -0.02],
    ];
    let tail = parametric(&[100.0, -50.0], &returns, 0.99).unwrap();
    close(tail.value_at_risk, 2.176_099_176_777_691, 1e-6);
    close(tail.expected_shortfall, 2.493_079_618_722_961, 1e-6);
}

#[test]
fn horizons_scale_by_the_square_root_of_time() {
    close(horizon_scale(3_600_000, 1), 24f64.sqrt(), 1e-12);
    close(horizon_scale(86_400_000, 10), 10f64.sqrt(), 1e-12);
    let tail = Tail {
        value_at_risk: 2.0,
        expected_shortfall: 3.0,
    }
    .scaled(4.0);
    assert_eq!(
        tail,
        Tail {
            value_at_risk: 8.0,
            expected_shortfall: 12.0
        }
    );
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    assert_eq!(historical(&[1.0, 2.0], 1.0), Err(VarError::Confidence));
    assert_eq!(historical(&[1.0, 2.0], f64::NAN), Err(VarError::Confidence));
    assert_eq!(
        historical(&[1.0], 0.95),
        Err(VarError::TooFewObservations(1))
    );
    assert_eq!(historical(&[1.0, f64::NAN], 0.95), Err(VarError::NotFinite));
    assert_eq!(
        portfolio_pnl(&[1.0, 2.0], &[vec![0.1]]),
        Err(VarError::Width {
            index: 0,
            found: 1,
            expected: 2
        })
    );
    assert_eq!(
        parametric(&[1.0], &[vec![0.1]], 0.95),
        Err(VarError::TooFewObservations(1))
    );
    assert_eq!(quantile_rank(0.95, 20), 19);
    assert_eq!(quantile_rank(0.99, 20), 20);
    assert_eq!(quantile_rank(0.01, 20), 1);
}
