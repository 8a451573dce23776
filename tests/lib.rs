//! Shared helpers of the whole-project tests live in the test targets themselves.
