"""Function-level ground truth: the unit tests a translation must pass.

The signature and the case literals are the corpus's translation contract (`corpus.contract`);
this harness lays them out: `render` (the prompt's requirement and the test module, with the
data file `support.rs`) and `libtest` (reading the test binary's run).
"""

from single_shot_eval.verify.function_harness.libtest import (
    PASS_RECORD,
    TestRunOutcome,
    new_nonce,
    parse_libtest_output,
    passed_cases,
)
from single_shot_eval.verify.function_harness.render import (
    FLOAT_TOLERANCE,
    HARNESS_MODULE,
    HARNESS_TEST_FILTER,
    RUSTC_TEST_ARGS,
    TEST_BINARY_ARGS,
    contract_requirements,
    function_requirements,
    render_target_cases,
    render_test_module,
)

__all__ = [
    "FLOAT_TOLERANCE",
    "HARNESS_MODULE",
    "HARNESS_TEST_FILTER",
    "PASS_RECORD",
    "RUSTC_TEST_ARGS",
    "TEST_BINARY_ARGS",
    "TestRunOutcome",
    "contract_requirements",
    "function_requirements",
    "new_nonce",
    "parse_libtest_output",
    "passed_cases",
    "render_target_cases",
    "render_test_module",
]
