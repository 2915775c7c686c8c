"""Raw document → normalized article: trafilatura extraction, metadata,
auditable boilerplate cleaning. Pure code, no I/O."""

from newsmill.extractors.clean import Cleaner, CleanResult, clean
from newsmill.extractors.extract import ExtractSettings, detect_language, extract
from newsmill.extractors.rules import RULES, Rule

__all__ = ["RULES", "CleanResult", "Cleaner", "ExtractSettings", "Rule", "clean", "detect_language", "extract"]
