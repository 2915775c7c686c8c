"""Raw document → normalized article: trafilatura extraction, metadata,
auditable boilerplate cleaning. Pure code, no I/O."""

from newsmill.extractors.clean import Cleaner, CleanResult, clean
from newsmill.extractors.extract import ExtractSettings, detect_language, extract
from newsmill.extractors.joiners import keep_joiners
from newsmill.extractors.rules import RULES, Rule

keep_joiners()  # before anything extracts: trafilatura keeps ZWNJ and ZWJ (joiners.py)

__all__ = ["RULES", "CleanResult", "Cleaner", "ExtractSettings", "Rule", "clean", "detect_language", "extract"]
