"""Parsing of untrusted XML without DTDs or entities, and the CAP 1.2 schema check."""

import re
import threading
from functools import cache
from importlib import resources

from lxml import etree

from healthycity.alerts.models import CAP_NAMESPACE
from healthycity.errors import ValidationError

# Real CAP messages weigh a few kB (Météo-France and MeteoAlarm use geocodes rather than
# polygons); every commune polygon of the Nièvre at 5 decimals makes 0.46 MB
# (tests/unit/alerts/test_cap.py). 1 MiB bounds the memory and time one request can cost.
MAX_CAP_BYTES = 1024 * 1024
_SCHEMA_RESOURCE = "schemas/CAP-v1.2.xsd"
_SCHEMA_ERRORS_SHOWN = 3
_schema_lock = threading.Lock()  # an lxml validator keeps its error log on the instance
_NO_DOCTYPE = (
    "expected none: DTDs and entity declarations are refused (entity expansion, external entities)."
)
# "<!DOCTYPE" as it appears in UTF-8 (and every ASCII-compatible encoding) and UTF-16.
_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_POSITION = re.compile(r"line \d+, column \d+$")


def _safe_parser() -> etree.XMLParser:
    # No entity substitution, no DTD loading, no network: an external entity
    # (<!ENTITY x SYSTEM "file:///etc/passwd">) is never read, an entity is never expanded.
    # huge_tree=False keeps libxml2's limits on depth and node size.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,  # so that element text is never split by a comment
        remove_pis=True,
        collect_ids=False,
    )


def parse_untrusted_xml(data: bytes, *, what: str) -> etree._ElementTree:
    """Parse bytes from outside, refusing oversized documents and any DOCTYPE.

    Parameters
    ----------
    data
        The raw document.
    what
        How error messages name the document (e.g. ``"CAP document"``).

    Raises
    ------
    ValidationError
        If ``data`` is not bytes, is empty or larger than ``MAX_CAP_BYTES`` (checked before
        parsing), is not well-formed XML, or declares a DOCTYPE. A DOCTYPE is refused as
        defusedxml's ``forbid_dtd`` does: it is how entity expansion ("billion laughs") and
        external entities (XXE) get into a document, and CAP never needs one.
    """
    if not isinstance(data, bytes):
        msg = f"{what} is a {type(data).__name__}; expected bytes."
        raise ValidationError(msg)
    if len(data) > MAX_CAP_BYTES:
        msg = f"{what} is {len(data):,} bytes; expected at most {MAX_CAP_BYTES:,} bytes."
        raise ValidationError(msg)
    if not data.strip():
        msg = f"{what} is empty; expected an XML document."
        raise ValidationError(msg)
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        # libxml2 itself stops some entity bombs ("amplification factor exceeded"): say why.
        if any(marker in data for marker in _DOCTYPE_MARKERS):
            msg = f"{what} declares a DOCTYPE; {_NO_DOCTYPE} The parser stopped on: {exc.msg}."
            raise ValidationError(msg) from exc
        line, column = exc.position
        where = "" if _POSITION.search(exc.msg) else f", line {line}, column {column}"
        msg = f"{what} is not well-formed XML: {exc.msg}{where}."
        raise ValidationError(msg) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        msg = f"{what} declares a DOCTYPE ({tree.docinfo.doctype!r}); {_NO_DOCTYPE}"
        raise ValidationError(msg)
    return tree


@cache
def cap_schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema shipped in the package (no network access)."""
    source = resources.files("healthycity.alerts").joinpath(_SCHEMA_RESOURCE)
    document = etree.fromstring(source.read_bytes(), _safe_parser())
    return etree.XMLSchema(document)


def _readable_path(tree: etree._ElementTree, path: str | None) -> str:
    """Turn libxml2's ``/*/*[7]/*[5]`` into ``/alert/info[1]/severity``."""
    if not path:
        return "/"
    found = tree.xpath(path)
    if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], etree._Element):
        return path
    steps = []
    element: etree._Element | None = found[0]
    while element is not None:
        name = etree.QName(element).localname
        parent = element.getparent()
        same = [] if parent is None else [e for e in parent if e.tag == element.tag]
        steps.append(f"{name}[{same.index(element) + 1}]" if len(same) > 1 else name)
        element = parent
    return "/" + "/".join(reversed(steps))


def check_cap_schema(tree: etree._ElementTree, *, what: str) -> None:
    """Check the root is a CAP 1.2 ``alert`` and the document is valid against the schema.

    Raises
    ------
    ValidationError
        Naming the root element and namespace found, or the first schema violations with
        their line and element path.
    """
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.namespace != CAP_NAMESPACE or qname.localname != "alert":
        msg = (
            f"{what} has root element {qname.localname!r} in namespace {qname.namespace!r}; "
            f"expected 'alert' in namespace {CAP_NAMESPACE!r} (CAP 1.2)."
        )
        raise ValidationError(msg)
    schema = cap_schema()
    with _schema_lock:
        is_valid = schema.validate(tree)
        errors = list(schema.error_log)
    if is_valid:
        return
    shown = "; ".join(
        f"line {e.line}, {_readable_path(tree, e.path)}: "
        + e.message.replace(f"{{{CAP_NAMESPACE}}}", "cap:").rstrip(".")
        for e in errors[:_SCHEMA_ERRORS_SHOWN]
    )
    more = len(errors) - _SCHEMA_ERRORS_SHOWN
    suffix = f" (and {more} more)" if more > 0 else ""
    msg = f"{what} does not match the CAP 1.2 schema: {shown}{suffix}."
    raise ValidationError(msg)
