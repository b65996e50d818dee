"""Open Badges: issue, bake, verify and revoke the credentials learners earn.

- ``BadgeRecognizer`` signs every award (``Service(recognizer=...)``);
  ``open_service`` builds it from the instance's issuer.
- ``CredentialBuilder`` builds OB 3.0 credentials; ``ob2_*`` export OB 2.0.
- ``sign_jwt`` and ``add_data_integrity_proof`` secure them; ``Verifier``
  checks them; ``bake``/``unbake`` carry them in PNG and SVG images
  (``baked_credentials`` finds every one an image carries: more than one is refused).
- ``revocation_list``/``signed_revocation_list`` publish revocations.
- ``HostedDocuments`` is what the public URLs in signed documents serve
  (achievements, badge images, the OB 2.0 documents).
- ``award_files`` gives an award's badge as files to download (baked PNG
  and SVG, JSON, VC-JWT); ``instance_verifier`` verifies as the instance does.
- ``init_issuer``, ``rotate_issuer_key``, ``load_issuer`` manage the issuer.
"""

from .art import badge_png as badge_png
from .art import badge_svg as badge_svg
from .baking import BakedCredential as BakedCredential
from .baking import OBVersion as OBVersion
from .baking import bake as bake
from .baking import baked_credentials as baked_credentials
from .baking import unbake as unbake
from .bulk import BulkResult as BulkResult
from .bulk import CohortRow as CohortRow
from .bulk import award_cohort as award_cohort
from .bulk import read_cohort_csv as read_cohort_csv
from .contexts import PINNED as PINNED
from .contexts import ContextLoader as ContextLoader
from .contexts import UnknownContext as UnknownContext
from .contexts import fetch_pinned as fetch_pinned
from .downloads import BadgeFile as BadgeFile
from .downloads import award_files as award_files
from .downloads import badge_images as badge_images
from .hosting import HostedAchievement as HostedAchievement
from .hosting import HostedAssertion as HostedAssertion
from .hosting import HostedDocuments as HostedDocuments
from .hosting import HostedImage as HostedImage
from .issuers import IdentityKind as IdentityKind
from .issuers import IssuerIdentity as IssuerIdentity
from .issuers import IssuerProfile as IssuerProfile
from .issuers import ProofFormat as ProofFormat
from .issuing import BadgeRecognizer as BadgeRecognizer
from .issuing import has_issuer as has_issuer
from .issuing import init_issuer as init_issuer
from .issuing import instance_verifier as instance_verifier
from .issuing import load_issuer as load_issuer
from .issuing import open_recognizer as open_recognizer
from .issuing import rotate_issuer_key as rotate_issuer_key
from .keys import IssuerKey as IssuerKey
from .keys import KeyRing as KeyRing
from .keys import KeyType as KeyType
from .openbadges import CredentialBuilder as CredentialBuilder
from .openbadges import PublicUrls as PublicUrls
from .openbadges import ob2_assertion as ob2_assertion
from .openbadges import ob2_badge_class as ob2_badge_class
from .openbadges import ob2_hosted_assertion as ob2_hosted_assertion
from .openbadges import ob2_issuer as ob2_issuer
from .signing import add_data_integrity_proof as add_data_integrity_proof
from .signing import sign_jwt as sign_jwt
from .status import find_revocation as find_revocation
from .status import revocation_list as revocation_list
from .status import signed_revocation_list as signed_revocation_list
from .verify import Check as Check
from .verify import KeyResolver as KeyResolver
from .verify import Verification as Verification
from .verify import Verifier as Verifier
from .verify import https_fetch as https_fetch
from .verify import https_fetcher as https_fetcher
from .verify import validate_schema as validate_schema

__all__ = [
    "PINNED",
    "BadgeFile",
    "BadgeRecognizer",
    "BakedCredential",
    "BulkResult",
    "Check",
    "CohortRow",
    "ContextLoader",
    "CredentialBuilder",
    "HostedAchievement",
    "HostedAssertion",
    "HostedDocuments",
    "HostedImage",
    "IdentityKind",
    "IssuerIdentity",
    "IssuerKey",
    "IssuerProfile",
    "KeyResolver",
    "KeyRing",
    "KeyType",
    "OBVersion",
    "ProofFormat",
    "PublicUrls",
    "UnknownContext",
    "Verification",
    "Verifier",
    "add_data_integrity_proof",
    "award_cohort",
    "award_files",
    "badge_images",
    "badge_png",
    "badge_svg",
    "bake",
    "baked_credentials",
    "fetch_pinned",
    "find_revocation",
    "has_issuer",
    "https_fetch",
    "https_fetcher",
    "init_issuer",
    "instance_verifier",
    "load_issuer",
    "ob2_assertion",
    "ob2_badge_class",
    "ob2_hosted_assertion",
    "ob2_issuer",
    "open_recognizer",
    "read_cohort_csv",
    "revocation_list",
    "rotate_issuer_key",
    "sign_jwt",
    "signed_revocation_list",
    "unbake",
    "validate_schema",
]
