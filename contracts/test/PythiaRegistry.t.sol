// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Test} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";
import {IPythiaRegistry} from "../src/interfaces/IPythiaRegistry.sol";
import {PythiaRegistry} from "../src/PythiaRegistry.sol";

contract PythiaRegistryTest is Test {
    PythiaRegistry internal registry;

    address internal admin = address(0xA11CE);
    address internal governance = address(0x6000);
    address internal operator = address(0x0123);
    address internal stranger = address(0xBAD);

    uint8 internal constant NONE = 0;
    uint8 internal constant SGX = 1;
    uint8 internal constant TDX = 2;
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    bytes internal mrenclave = abi.encodePacked(keccak256("enclave v1"));
    bytes internal mrenclave2 = abi.encodePacked(keccak256("enclave v2"));
    bytes internal mrtd = abi.encodePacked(keccak256("td v1"), bytes16(keccak256("td v1 tail")));
    bytes32 internal constant EVIDENCE = keccak256("quote || collateral");
    string internal constant URI = "https://evidence.example/pythia-1.json";

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new PythiaRegistry(admin, 0);
        vm.startPrank(admin);
        registry.grantRole(registry.GOVERNANCE_ROLE(), governance);
        registry.grantRole(registry.OPERATOR_ROLE(), operator);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- helpers

    function keyOf(uint256 i) internal pure returns (uint256) {
        return (uint256(keccak256(abi.encode("pythia key", i))) % (SECP256K1_N - 1)) + 1;
    }

    function wallet(uint256 i) internal returns (address key, bytes memory publicKey) {
        Vm.Wallet memory w = vm.createWallet(keyOf(i));
        return (w.addr, abi.encodePacked(w.publicKeyX, w.publicKeyY));
    }

    function approve(uint8 tee, bytes memory measurement) internal returns (bytes32) {
        vm.prank(governance);
        return registry.approveMeasurement(tee, measurement);
    }

    function revokeMeasurement(uint8 tee, bytes memory measurement) internal {
        vm.prank(governance);
        registry.revokeMeasurement(tee, measurement, "vulnerable");
    }

    function registerAttested(uint256 i, bytes memory measurement) internal returns (address key) {
        bytes memory publicKey;
        (key, publicKey) = wallet(i);
        vm.prank(operator);
        registry.registerPythia(key, publicKey, SGX, measurement, EVIDENCE, URI);
    }

    function registerUnattested(uint256 i) internal returns (address key) {
        bytes memory publicKey;
        (key, publicKey) = wallet(i);
        vm.prank(operator);
        registry.registerPythia(key, publicKey, NONE, "", bytes32(0), "");
    }

    // ---------------------------------------------------------------- deployment

    function test_constructor_refusesZeroAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new PythiaRegistry(address(0), 0);
    }

    function test_supportsInterface() public view {
        assertTrue(registry.supportsInterface(type(IPythiaRegistry).interfaceId), "IPythiaRegistry");
        assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        assertTrue(registry.supportsInterface(type(IERC165).interfaceId), "IERC165");
        assertFalse(registry.supportsInterface(0xdeadbeef), "random id");
    }

    // ---------------------------------------------------------------- measurements

    function test_approveMeasurement_emitsAndApproves() public {
        bytes32 expected = keccak256(abi.encodePacked(SGX, mrenclave));
        assertEq(registry.measurementKey(SGX, mrenclave), expected, "measurementKey");
        vm.expectEmit(address(registry));
        emit IPythiaRegistry.MeasurementApproved(expected, IPythiaRegistry.TeeType.SGX, mrenclave, governance);
        assertEq(approve(SGX, mrenclave), expected, "returned key");
        assertTrue(registry.isMeasurementApproved(SGX, mrenclave), "approved");
        assertTrue(registry.measurementStatus(expected) == IPythiaRegistry.MeasurementStatus.Approved, "status");
        assertFalse(registry.isMeasurementApproved(TDX, mrtd), "another measurement");
    }

    function test_approveMeasurement_refusals() public {
        bytes32 key = approve(SGX, mrenclave);
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.MeasurementAlreadyApproved.selector, key));
        registry.approveMeasurement(SGX, mrenclave);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.InvalidTeeType.selector, NONE));
        registry.approveMeasurement(NONE, mrenclave);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.InvalidTeeType.selector, uint8(3)));
        registry.approveMeasurement(3, mrenclave);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.InvalidMeasurement.selector, SGX, uint256(48)));
        registry.approveMeasurement(SGX, mrtd);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.InvalidMeasurement.selector, TDX, uint256(32)));
        registry.approveMeasurement(TDX, mrenclave);
        vm.stopPrank();
    }

    function test_revokeMeasurement_thenReapprove() public {
        bytes32 key = approve(TDX, mrtd);
        vm.expectEmit(address(registry));
        emit IPythiaRegistry.MeasurementRevoked(key, IPythiaRegistry.TeeType.TDX, mrtd, governance, "vulnerable");
        revokeMeasurement(TDX, mrtd);
        assertTrue(registry.measurementStatus(key) == IPythiaRegistry.MeasurementStatus.Revoked, "revoked");
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.MeasurementNotApproved.selector, key));
        revokeMeasurement(TDX, mrtd);
        approve(TDX, mrtd);
        assertTrue(registry.isMeasurementApproved(TDX, mrtd), "approved again");
    }

    function test_revokeMeasurement_refusals() public {
        bytes32 key = registry.measurementKey(SGX, mrenclave);
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.MeasurementNotApproved.selector, key));
        registry.revokeMeasurement(SGX, mrenclave, "never approved");
        registry.approveMeasurement(SGX, mrenclave);
        vm.expectRevert(IPythiaRegistry.InvalidReason.selector);
        registry.revokeMeasurement(SGX, mrenclave, "");
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- registration

    function test_registerAttested_recordAndEvent() public {
        bytes32 mKey = approve(SGX, mrenclave);
        (address key, bytes memory publicKey) = wallet(1);
        vm.expectEmit(address(registry));
        emit IPythiaRegistry.PythiaRegistered(
            key,
            IPythiaRegistry.TeeType.SGX,
            true,
            mKey,
            mrenclave,
            publicKey,
            EVIDENCE,
            URI,
            operator
        );
        vm.prank(operator);
        registry.registerPythia(key, publicKey, SGX, mrenclave, EVIDENCE, URI);

        IPythiaRegistry.PythiaRecord memory r = registry.pythia(key);
        assertTrue(r.status == IPythiaRegistry.PythiaStatus.Active, "active");
        assertTrue(r.teeType == IPythiaRegistry.TeeType.SGX, "tee");
        assertTrue(r.attested, "attested");
        assertEq(r.registeredAt, block.timestamp, "registeredAt");
        assertEq(r.registrar, operator, "registrar");
        assertEq(r.measurementKey, mKey, "measurement key");
        assertEq(r.evidenceHash, EVIDENCE, "evidence hash");
        assertEq(r.measurement, mrenclave, "measurement");
        assertEq(r.publicKey, publicKey, "public key");
        assertEq(bytes(r.evidenceUri), bytes(URI), "uri");
        assertTrue(registry.isTrusted(key, true), "trusted when attestation is required");
        assertTrue(registry.isTrusted(key, false), "trusted");
    }

    function test_registerUnattested_isFlagged() public {
        address key = registerUnattested(1);
        IPythiaRegistry.PythiaRecord memory r = registry.pythia(key);
        assertTrue(r.status == IPythiaRegistry.PythiaStatus.Active, "active");
        assertFalse(r.attested, "flagged unattested");
        assertTrue(r.teeType == IPythiaRegistry.TeeType.None, "no tee");
        assertEq(r.measurementKey, bytes32(0), "no measurement");
        assertTrue(registry.isTrusted(key, false), "trusted by devices that accept unattested keys");
        assertFalse(registry.isTrusted(key, true), "never trusted when attestation is required");
    }

    function test_register_refusals() public {
        bytes32 mKey = registry.measurementKey(SGX, mrenclave);
        (address key, bytes memory publicKey) = wallet(1);
        (address other, ) = wallet(2);
        vm.startPrank(operator);

        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.MeasurementNotApproved.selector, mKey));
        registry.registerPythia(key, publicKey, SGX, mrenclave, EVIDENCE, URI);

        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.PublicKeyMismatch.selector, other, key));
        registry.registerPythia(other, publicKey, NONE, "", bytes32(0), "");

        vm.expectRevert(IPythiaRegistry.InvalidPublicKey.selector);
        registry.registerPythia(key, new bytes(63), NONE, "", bytes32(0), "");
        bytes memory offCurve = abi.encodePacked(publicKey);
        offCurve[63] = bytes1(uint8(offCurve[63]) ^ 1);
        vm.expectRevert(IPythiaRegistry.InvalidPublicKey.selector);
        registry.registerPythia(key, offCurve, NONE, "", bytes32(0), "");

        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.InvalidTeeType.selector, uint8(7)));
        registry.registerPythia(key, publicKey, 7, mrenclave, EVIDENCE, URI);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.InvalidMeasurement.selector, NONE, uint256(32)));
        registry.registerPythia(key, publicKey, NONE, mrenclave, bytes32(0), "");
        vm.expectRevert(IPythiaRegistry.UnexpectedEvidence.selector);
        registry.registerPythia(key, publicKey, NONE, "", EVIDENCE, "");
        vm.expectRevert(IPythiaRegistry.UnexpectedEvidence.selector);
        registry.registerPythia(key, publicKey, NONE, "", bytes32(0), URI);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.EvidenceUriTooLong.selector, uint256(513)));
        registry.registerPythia(key, publicKey, SGX, mrenclave, EVIDENCE, string(new bytes(513)));
        vm.stopPrank();

        approve(SGX, mrenclave);
        vm.startPrank(operator);
        vm.expectRevert(IPythiaRegistry.MissingEvidence.selector);
        registry.registerPythia(key, publicKey, SGX, mrenclave, bytes32(0), URI);
        registry.registerPythia(key, publicKey, SGX, mrenclave, EVIDENCE, "");
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.PythiaAlreadyRegistered.selector, key));
        registry.registerPythia(key, publicKey, NONE, "", bytes32(0), "");
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- revocation and rotation

    function test_revokePythia_isFinal() public {
        approve(SGX, mrenclave);
        address key = registerAttested(1, mrenclave);
        vm.expectEmit(address(registry));
        emit IPythiaRegistry.PythiaRevoked(key, operator, "key leaked");
        vm.prank(operator);
        registry.revokePythia(key, "key leaked");
        IPythiaRegistry.PythiaRecord memory r = registry.pythia(key);
        assertTrue(r.status == IPythiaRegistry.PythiaStatus.Revoked, "revoked");
        assertEq(r.revokedAt, block.timestamp, "revokedAt");
        assertFalse(registry.isTrusted(key, false), "untrusted");

        (, bytes memory publicKey) = wallet(1);
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.PythiaAlreadyRevoked.selector, key));
        registry.revokePythia(key, "again");
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.PythiaAlreadyRegistered.selector, key));
        registry.registerPythia(key, publicKey, SGX, mrenclave, EVIDENCE, URI);
        vm.stopPrank();
    }

    function test_revokePythia_refusals() public {
        (address unknown, ) = wallet(9);
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.UnknownPythia.selector, unknown));
        registry.revokePythia(unknown, "who?");
        vm.stopPrank();
        address key = registerUnattested(1);
        vm.prank(operator);
        vm.expectRevert(IPythiaRegistry.InvalidReason.selector);
        registry.revokePythia(key, "");
    }

    function test_rotatePythiaKey_linksOldAndNew() public {
        approve(SGX, mrenclave);
        bytes32 mKey2 = approve(SGX, mrenclave2);
        address oldKey = registerAttested(1, mrenclave);
        (address newKey, bytes memory newPublicKey) = wallet(2);
        IPythiaRegistry.Evidence memory evidence = IPythiaRegistry.Evidence(SGX, mrenclave2, EVIDENCE, URI);

        vm.expectEmit(address(registry));
        emit IPythiaRegistry.PythiaRevoked(oldKey, operator, "rotated");
        vm.expectEmit(address(registry));
        emit IPythiaRegistry.PythiaRegistered(
            newKey,
            IPythiaRegistry.TeeType.SGX,
            true,
            mKey2,
            mrenclave2,
            newPublicKey,
            EVIDENCE,
            URI,
            operator
        );
        vm.expectEmit(address(registry));
        emit IPythiaRegistry.PythiaKeyRotated(oldKey, newKey, operator);
        vm.prank(operator);
        registry.rotatePythiaKey(oldKey, newKey, newPublicKey, evidence);

        assertEq(registry.pythia(oldKey).successor, newKey, "successor");
        assertFalse(registry.isTrusted(oldKey, false), "old key untrusted");
        assertTrue(registry.isTrusted(newKey, true), "new key trusted");

        // A rotation is all or nothing: an unapproved measurement for the new key keeps the old one.
        (address third, bytes memory thirdPublicKey) = wallet(3);
        revokeMeasurement(SGX, mrenclave2);
        evidence.measurement = mrenclave2;
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.MeasurementNotApproved.selector, mKey2));
        registry.rotatePythiaKey(newKey, third, thirdPublicKey, evidence);
        assertTrue(registry.pythia(newKey).status == IPythiaRegistry.PythiaStatus.Active, "still active");
        assertEq(registry.pythia(newKey).successor, address(0), "no successor");
    }

    function test_rotatePythiaKey_refusals() public {
        address oldKey = registerUnattested(1);
        (, bytes memory oldPublicKey) = wallet(1);
        (address unknown, ) = wallet(5);
        (address newKey, bytes memory newPublicKey) = wallet(2);
        IPythiaRegistry.Evidence memory none = IPythiaRegistry.Evidence(NONE, "", bytes32(0), "");
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.UnknownPythia.selector, unknown));
        registry.rotatePythiaKey(unknown, newKey, newPublicKey, none);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.PythiaAlreadyRegistered.selector, oldKey));
        registry.rotatePythiaKey(oldKey, oldKey, oldPublicKey, none);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.PublicKeyMismatch.selector, newKey, oldKey));
        registry.rotatePythiaKey(oldKey, newKey, oldPublicKey, none);
        registry.rotatePythiaKey(oldKey, newKey, newPublicKey, none);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.PythiaAlreadyRevoked.selector, oldKey));
        registry.rotatePythiaKey(oldKey, unknown, newPublicKey, none);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- trust follows measurements

    function test_revokingAMeasurement_untrustsEveryKeyWithIt() public {
        approve(SGX, mrenclave);
        approve(SGX, mrenclave2);
        address a = registerAttested(1, mrenclave);
        address b = registerAttested(2, mrenclave);
        address c = registerAttested(3, mrenclave2);
        address u = registerUnattested(4);
        revokeMeasurement(SGX, mrenclave);
        assertFalse(registry.isTrusted(a, false), "a");
        assertFalse(registry.isTrusted(b, false), "b");
        assertTrue(registry.isTrusted(c, true), "c has another measurement");
        assertTrue(registry.isTrusted(u, false), "unattested keys do not depend on measurements");
        assertTrue(registry.pythia(a).status == IPythiaRegistry.PythiaStatus.Active, "records untouched");
    }

    // ---------------------------------------------------------------- relayers (issue #12)

    function test_bindRelayer_followsTheKeysTrust() public {
        address relayer = address(0x4E1A);
        approve(SGX, mrenclave);
        address key = registerAttested(1, mrenclave);
        assertFalse(registry.isTrustedRelayer(relayer), "unbound");
        vm.expectEmit(address(registry));
        emit IPythiaRegistry.RelayerBound(key, relayer, address(0), operator);
        vm.prank(operator);
        registry.bindRelayer(key, relayer);
        assertEq(registry.relayerOf(key), relayer, "relayerOf");
        assertEq(registry.pythiaOfRelayer(relayer), key, "pythiaOfRelayer");
        assertTrue(registry.isTrustedRelayer(relayer), "trusted with its key");
        revokeMeasurement(SGX, mrenclave);
        assertFalse(registry.isTrustedRelayer(relayer), "the measurement revoked: the relayer too");
        approve(SGX, mrenclave);
        assertTrue(registry.isTrustedRelayer(relayer), "approved again");
        vm.prank(operator);
        registry.revokePythia(key, "stolen");
        assertFalse(registry.isTrustedRelayer(relayer), "the key revoked: the relayer too, for good");
    }

    function test_bindRelayer_replacesAndRotates() public {
        address first = address(0x4E1A);
        address second = address(0x4E1B);
        address key = registerUnattested(1);
        vm.startPrank(operator);
        registry.bindRelayer(key, first);
        registry.bindRelayer(key, second);
        vm.stopPrank();
        assertFalse(registry.isTrustedRelayer(first), "the replaced relayer is unbound");
        assertEq(registry.pythiaOfRelayer(first), address(0), "unbound");
        assertTrue(registry.isTrustedRelayer(second), "the new one");
        (address next, bytes memory publicKey) = wallet(2);
        IPythiaRegistry.Evidence memory none;
        vm.prank(operator);
        registry.rotatePythiaKey(key, next, publicKey, none);
        assertEq(registry.relayerOf(next), second, "carried to the new key");
        assertEq(registry.relayerOf(key), address(0), "not left on the old one");
        assertTrue(registry.isTrustedRelayer(second), "trusted through the new key");
    }

    function test_bindRelayer_refusals() public {
        address key = registerUnattested(1);
        address other = registerUnattested(2);
        address relayer = address(0x4E1A);
        bytes32 role = registry.OPERATOR_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vm.prank(admin);
        registry.bindRelayer(key, relayer);
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.UnknownPythia.selector, address(0x1234)));
        registry.bindRelayer(address(0x1234), relayer);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.InvalidRelayer.selector, address(0)));
        registry.bindRelayer(key, address(0));
        registry.bindRelayer(key, relayer);
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.RelayerBoundElsewhere.selector, relayer, key));
        registry.bindRelayer(other, relayer);
        registry.revokePythia(other, "gone");
        vm.expectRevert(abi.encodeWithSelector(IPythiaRegistry.PythiaAlreadyRevoked.selector, other));
        registry.bindRelayer(other, address(0x4E1C));
        vm.stopPrank();
    }

    /// A gateway restarted with a new Pythia key after its old key was revoked keeps its relayer account.
    function test_bindRelayer_relayerOfARevokedKeyServesANewKey() public {
        address key = registerUnattested(1);
        address relayer = address(0x4E1A);
        vm.prank(operator);
        registry.bindRelayer(key, relayer);
        vm.prank(operator);
        registry.revokePythia(key, "compromised");
        assertFalse(registry.isTrustedRelayer(relayer), "untrusted with its key");
        address next = registerUnattested(2);
        vm.prank(operator);
        registry.bindRelayer(next, relayer);
        assertTrue(registry.isTrustedRelayer(relayer), "trusted through the new key");
        assertEq(registry.pythiaOfRelayer(relayer), next, "bound to the new key");
        assertEq(registry.relayerOf(key), address(0), "the revoked key keeps no relayer");
    }

    function test_unknownKey_isNotTrusted() public {
        (address key, ) = wallet(1);
        assertFalse(registry.isTrusted(key, false), "unknown");
        assertTrue(registry.pythia(key).status == IPythiaRegistry.PythiaStatus.None, "status None");
    }

    // ---------------------------------------------------------------- fuzz

    /// Any caller without the role is refused by every state-changing function.
    function testFuzz_callersWithoutRoles_alwaysRevert(address caller, uint8 tee, bytes32 evidenceHash) public {
        vm.assume(caller != admin && caller != governance && caller != operator);
        approve(SGX, mrenclave);
        address existing = registerAttested(1, mrenclave);
        (address key, bytes memory publicKey) = wallet(2);
        bytes32 governanceRole = registry.GOVERNANCE_ROLE();
        bytes32 operatorRole = registry.OPERATOR_ROLE();

        vm.startPrank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, governanceRole)
        );
        registry.approveMeasurement(tee, mrenclave2);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, governanceRole)
        );
        registry.revokeMeasurement(SGX, mrenclave, "x");
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, operatorRole)
        );
        registry.registerPythia(key, publicKey, tee, mrenclave, evidenceHash, URI);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, operatorRole)
        );
        registry.rotatePythiaKey(existing, key, publicKey, IPythiaRegistry.Evidence(tee, mrenclave, evidenceHash, URI));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, operatorRole)
        );
        registry.revokePythia(existing, "x");
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, bytes32(0))
        );
        registry.grantRole(operatorRole, caller);
        vm.stopPrank();

        assertTrue(registry.isTrusted(existing, true), "nothing changed");
        assertEq(uint256(registry.pythia(key).status), 0, "nothing registered");
    }

    /// Roles are separate: the operator cannot approve measurements, governance cannot register keys.
    function test_rolesAreSeparate() public {
        (address key, bytes memory publicKey) = wallet(1);
        bytes32 governanceRole = registry.GOVERNANCE_ROLE();
        bytes32 operatorRole = registry.OPERATOR_ROLE();
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, governanceRole)
        );
        registry.approveMeasurement(SGX, mrenclave);
        vm.prank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, governance, operatorRole)
        );
        registry.registerPythia(key, publicKey, NONE, "", bytes32(0), "");
    }

    /// Whatever happens after a revocation — measurement approvals and revocations, attempts to
    /// register the key again or rotate from it — the key is never trusted again.
    function testFuzz_revokedKey_neverTrustedAgain(uint256 seed, uint8[16] memory ops, bool attested) public {
        approve(SGX, mrenclave);
        uint256 i = bound(seed, 1, 1_000_000);
        address key = attested ? registerAttested(i, mrenclave) : registerUnattested(i);
        (, bytes memory publicKey) = wallet(i);
        (address other, bytes memory otherPublicKey) = wallet(i + 1);
        vm.prank(operator);
        registry.revokePythia(key, "compromised");

        for (uint256 k; k < ops.length; ++k) {
            uint8 op = ops[k] % 5;
            bool approved = registry.isMeasurementApproved(SGX, mrenclave);
            if (op == 0 && !approved) approve(SGX, mrenclave);
            else if (op == 1 && approved) revokeMeasurement(SGX, mrenclave);
            else if (op == 2) {
                vm.prank(operator);
                try registry.registerPythia(key, publicKey, SGX, mrenclave, EVIDENCE, URI) {
                    fail("re-registered a revoked key");
                } catch {}
            } else if (op == 3) {
                vm.prank(operator);
                try
                    registry.rotatePythiaKey(key, other, otherPublicKey, IPythiaRegistry.Evidence(NONE, "", 0, ""))
                {
                    fail("rotated from a revoked key");
                } catch {}
            } else if (op == 4) {
                vm.prank(operator);
                try registry.revokePythia(key, "again") {
                    fail("revoked twice");
                } catch {}
            }
            assertFalse(registry.isTrusted(key, false), "revoked key trusted");
            assertFalse(registry.isTrusted(key, true), "revoked key trusted (attested)");
        }
    }

    /// An attested key is trusted exactly while its measurement is approved.
    function testFuzz_trustFollowsMeasurementApproval(bool[24] memory toggles, bool tdx) public {
        uint8 tee = tdx ? TDX : SGX;
        bytes memory measurement = tdx ? mrtd : mrenclave;
        approve(tee, measurement);
        (address key, bytes memory publicKey) = wallet(1);
        vm.prank(operator);
        registry.registerPythia(key, publicKey, tee, measurement, EVIDENCE, URI);
        address unattested = registerUnattested(2);

        for (uint256 k; k < toggles.length; ++k) {
            bool approved = registry.isMeasurementApproved(tee, measurement);
            if (toggles[k] != approved) {
                if (toggles[k]) approve(tee, measurement);
                else revokeMeasurement(tee, measurement);
            }
            assertEq(registry.isTrusted(key, true), toggles[k], "trust follows approval");
            assertEq(registry.isTrusted(key, false), toggles[k], "trust follows approval (attestation optional)");
            assertTrue(registry.isTrusted(unattested, false), "unattested key unaffected");
            assertFalse(registry.isTrusted(unattested, true), "unattested key never attested");
        }
    }
}
