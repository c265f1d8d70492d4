"""The errors of :mod:`sknn.persistence`, with a machine-readable reason for every refusal."""

__all__ = ["PersistenceError", "PersistenceWarning", "REASONS", "refuse"]

#: Every reason a file (or a value to save) can be refused for, with what it means.
REASONS = {
    "not_a_model": "not an sknn model file (not a zip archive, or the wrong members / format name)",
    "truncated": "the file ends before the structures it declares",
    "zip_layout": "a zip structure sknn never writes (compression, encryption, data descriptors, "
    "mismatched local and central headers, too many entries)",
    "zip_overlap": "zip entries that overlap or are duplicated",
    "checksum": "the SHA-256 (or a CRC-32) does not match: a corrupted file",
    "signature": "the HMAC-SHA256 does not match the key: modified, or signed with another key",
    "key_required": "the file is signed: load it with its key",
    "unsigned": "a key was given but the file is not signed",
    "header": "the JSON header is not valid (UTF-8, syntax, duplicate keys, nesting, size)",
    "format": "an unknown format name or version",
    "version": "written by a newer sknn, or by another scikit-learn version",
    "npy": "a malformed .npy array member",
    "malformed": "a value of the header does not have the structure sknn writes",
    "class": "a class that is not in sknn's allow-list",
    "attribute": "an attribute the class does not declare, or a declared one missing",
    "type": "a value of the wrong type or dtype",
    "shape": "an array or a layer of the wrong shape",
    "range": "a number or an index outside its valid range",
    "non_finite": "NaN or infinity where only finite numbers are valid",
    "regex": "a regular expression sknn does not know (a file cannot choose its own)",
    "too_large": "sizes beyond what the file holds or sknn's limits",
    "inconsistent": "values that contradict each other (a state no fit produces)",
    "parameter": "constructor parameters the estimator refuses",
    "unsupported": "a value sknn.save cannot store safely",
}


class PersistenceError(ValueError):
    """A model cannot be saved, or a file is not a valid sknn model file.

    Attributes
    ----------
    reason : str
        Why, as one of the keys of :data:`sknn.persistence.REASONS`
        (``"checksum"``, ``"range"``, ``"regex"``...).
    """

    __module__ = "sknn.persistence"

    def __init__(self, message, reason):
        if reason not in REASONS:
            raise KeyError(f"unknown persistence reason {reason!r}")
        super().__init__(f"{message} [{reason}]")
        self.reason = reason
        self.message = message


class PersistenceWarning(UserWarning):
    """Something was not saved (e.g. callbacks), or versions differ slightly."""

    __module__ = "sknn.persistence"


def refuse(reason, message):
    """Raise :class:`PersistenceError` (a one-liner for the validators)."""
    raise PersistenceError(message, reason)
