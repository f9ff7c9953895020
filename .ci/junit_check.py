"""Reads caulk's JUnit reports with junitparser (a real JUnit consumer from PyPI) and checks the
counts: python3 .ci/junit_check.py REPORT.xml CASES FAILURES ERRORS ..."""
import sys

import junitparser

args = sys.argv[1:]
for i in range(0, len(args), 4):
    path, cases_want, failures_want, errors_want = args[i], *map(int, args[i + 1:i + 4])
    xml = junitparser.JUnitXml.fromfile(path)
    cases = [c for suite in xml for c in suite]
    failures = [c for c in cases if any(isinstance(r, junitparser.Failure) for r in c.result)]
    errors = [c for c in cases if any(isinstance(r, junitparser.Error) for r in c.result)]
    got = (len(cases), len(failures), len(errors))
    if got != (cases_want, failures_want, errors_want) or xml.failures != failures_want:
        sys.exit(f"{path}: cases, failures, errors = {got}, expected {(cases_want, failures_want, errors_want)}")
    print(f"{path}: {len(cases)} test cases, {len(failures)} failures, {len(errors)} errors: read by junitparser")
