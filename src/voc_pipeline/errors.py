"""One exception tree for the whole package; every error has a stable code.

    VocPipelineError                 exit 1 unless stated
    ├── UsageError          (E1xx)   exit 2: bad command line or configuration
    │   ├── ConfigError     (E101)   a config key is missing, unknown or has a bad value
    │   └── MissingSecretError (E102) the pseudonymisation secret is not in the environment
    ├── InputError          (E2xx)   exit 1: an input cannot be read at all
    │   ├── InputNotFoundError (E201)
    │   └── UnreadableInputError (E202)
    ├── ModelError          (E3xx)   exit 1: the model directory is missing or broken
    ├── OutputError         (E4xx)   exit 1: the dataset cannot be written (lock held, disk)
    ├── AccountingError     (E5xx)   exit 1: rows read != records + quarantine
    └── EngineError         (E6xx)   exit 1: the execution engine failed (a worker process died)

Messages are bilingual: Korean first, then English, on one line.
"""

from __future__ import annotations


class VocPipelineError(Exception):
    code = "E000"
    exit_code = 1

    def __init__(self, ko: str, en: str | None = None) -> None:
        self.ko = ko
        self.en = en or ko
        super().__init__(f"[{self.code}] {ko} / {self.en}" if en else f"[{self.code}] {ko}")


class UsageError(VocPipelineError):
    code = "E100"
    exit_code = 2


class ConfigError(UsageError):
    code = "E101"


class MissingSecretError(UsageError):
    code = "E102"


class InputError(VocPipelineError):
    code = "E200"


class InputNotFoundError(InputError):
    code = "E201"


class UnreadableInputError(InputError):
    code = "E202"


class ModelError(VocPipelineError):
    code = "E300"


class OutputError(VocPipelineError):
    code = "E400"


class AccountingError(VocPipelineError):
    code = "E500"


class EngineError(VocPipelineError):
    code = "E600"
