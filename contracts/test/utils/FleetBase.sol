// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {Vm} from "./Vm.sol";
import {PythiaFleet} from "../../src/PythiaFleet.sol";
import {PythiaRegistry} from "../../src/PythiaRegistry.sol";
import {IPythiaFleetTypes} from "../../src/interfaces/IPythiaFleet.sol";
import {IRelayerTrust} from "../../src/interfaces/IRelayerTrust.sol";

/// @notice Shared fixture: a fleet with roles granted and the air-quality class (id 1) profile,
/// device keys, and an independent EIP-712 implementation to sign readings with vm.sign. As
/// `pythia up` deploys it (src/chain/deploy.ts): the Pythia registry first, the gateway's Pythia key
/// registered (unattested) with the relayer bound to it, and the fleet asking the registry whether
/// its relayer is trusted (issue #12, "roles follow trust").
abstract contract FleetBase is Test, IPythiaFleetTypes {
    PythiaFleet internal fleet;
    PythiaRegistry internal pythiaRegistry;

    address internal admin = address(0xA11CE);
    address internal operator = address(0x0123);
    address internal manufacturer = address(0x0456);
    address internal relayer = address(0x0789);
    address internal stranger = address(0xBAD);

    uint256 internal constant PYTHIA_KEY = 0x9017A;
    address internal pythiaKey;

    uint16 internal constant AIR = 1;
    uint256 internal constant T0 = 1_750_000_000;

    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant READING_TYPEHASH =
        keccak256("Reading(address device,uint64 sequence,uint64 timestamp,bytes payload)");
    uint256 internal constant SECP256K1_N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    function setUp() public virtual {
        vm.warp(T0);
        pythiaRegistry = new PythiaRegistry(admin, 0);
        bytes32 operatorRole = pythiaRegistry.OPERATOR_ROLE();
        vm.prank(admin);
        pythiaRegistry.grantRole(operatorRole, operator);
        pythiaKey = registerPythia(PYTHIA_KEY, relayer);
        fleet = new PythiaFleet(admin, 0, IRelayerTrust(address(pythiaRegistry)));
        vm.startPrank(admin);
        fleet.grantRole(fleet.OPERATOR_ROLE(), operator);
        fleet.grantRole(fleet.MANUFACTURER_ROLE(), manufacturer);
        fleet.grantRole(fleet.RELAYER_ROLE(), relayer);
        vm.stopPrank();
        vm.prank(operator);
        fleet.setClassProfile(AIR, airProfile());
    }

    /// @dev The operator registers an unattested Pythia key and binds `relayerAccount` to it.
    function registerPythia(uint256 privateKey, address relayerAccount) internal returns (address key) {
        Vm.Wallet memory w = vm.createWallet(privateKey);
        key = w.addr;
        vm.startPrank(operator);
        pythiaRegistry.registerPythia(key, abi.encodePacked(w.publicKeyX, w.publicKeyY), 0, "", bytes32(0), "");
        pythiaRegistry.bindRelayer(key, relayerAccount);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- profiles

    /// @dev The air-quality class of docs/protocol.md: PM2.5, PM10, NO2, O3 (×10), temperature, RH (×100).
    function airProfile() internal pure returns (Profile memory p) {
        p.metricCount = 6;
        p.maxPayloadBytes = 16;
        p.minInterval = 60;
        p.maxClockSkew = 300;
        p.flagThreshold = 3;
        p.flagWindow = 3600;
        p.suspensionsBeforeRevoke = 2;
        p.minValue = new int16[](6);
        p.maxValue = new int16[](6);
        p.maxDelta = new uint16[](6);
        int16[6] memory lo = [int16(0), 0, 0, 0, -4000, 0];
        int16[6] memory hi = [int16(5000), 6000, 4000, 5000, 6000, 10000];
        uint16[6] memory d = [uint16(500), 500, 500, 500, 500, 2000];
        for (uint256 i; i < 6; ++i) {
            p.minValue[i] = lo[i];
            p.maxValue[i] = hi[i];
            p.maxDelta[i] = d[i];
        }
    }

    function cleanValues() internal pure returns (int16[] memory v) {
        v = new int16[](6);
        v[0] = 120; // 12.0 µg/m³
        v[1] = 250;
        v[2] = 300;
        v[3] = 450;
        v[4] = 2150; // 21.50 °C
        v[5] = 5500; // 55.00 %
    }

    function encodeMetrics(int16[] memory values) internal pure returns (bytes memory out) {
        out = new bytes(values.length * 2);
        for (uint256 i; i < values.length; ++i) {
            uint16 u = uint16(values[i]);
            out[2 * i] = bytes1(uint8(u >> 8));
            out[2 * i + 1] = bytes1(uint8(u));
        }
    }

    // ---------------------------------------------------------------- keys

    /// @dev Deterministic, valid private keys.
    function keyOf(uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("pythia device", i))) % (SECP256K1_N - 1) + 1;
    }

    function publicKeyOf(uint256 privateKey) internal returns (bytes memory) {
        Vm.Wallet memory w = vm.createWallet(privateKey);
        return abi.encodePacked(w.publicKeyX, w.publicKeyY);
    }

    function register(uint256 privateKey) internal returns (address device) {
        vm.prank(operator);
        device = fleet.registerDevice(publicKeyOf(privateKey), AIR);
    }

    // ---------------------------------------------------------------- readings

    function domainSeparatorOf(address verifyingContract, uint256 chainId) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(DOMAIN_TYPEHASH, keccak256("Pythia"), keccak256("1"), chainId, verifyingContract)
            );
    }

    function digestOf(
        bytes32 domain,
        address device,
        uint64 sequence,
        uint64 timestamp,
        bytes memory payload
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(READING_TYPEHASH, device, sequence, timestamp, keccak256(payload)));
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// @dev A reading signed by `privateKey` for this fleet on this chain, in EIP-2098 compact form.
    function signed(
        uint256 privateKey,
        uint64 sequence,
        uint64 timestamp,
        bytes memory payload
    ) internal view returns (SignedReading memory r) {
        return signedFor(privateKey, sequence, timestamp, payload, domainSeparatorOf(address(fleet), block.chainid));
    }

    function signedFor(
        uint256 privateKey,
        uint64 sequence,
        uint64 timestamp,
        bytes memory payload,
        bytes32 domain
    ) internal pure returns (SignedReading memory r) {
        return signedAs(privateKey, vm.addr(privateKey), sequence, timestamp, payload, domain);
    }

    /// @dev A reading for `device` signed by `privateKey` (a rotated device signs with its new key).
    function signedAs(
        uint256 privateKey,
        address device,
        uint64 sequence,
        uint64 timestamp,
        bytes memory payload,
        bytes32 domain
    ) internal pure returns (SignedReading memory r) {
        r.device = device;
        r.sequence = sequence;
        r.timestamp = timestamp;
        r.payload = payload;
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(privateKey, digestOf(domain, r.device, sequence, timestamp, payload));
        r.r = rr;
        r.vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
    }

    function clean(uint256 privateKey, uint64 sequence, uint64 timestamp) internal view returns (SignedReading memory) {
        return signed(privateKey, sequence, timestamp, encodeMetrics(cleanValues()));
    }

    function submit(SignedReading memory r) internal {
        SignedReading[] memory batch = new SignedReading[](1);
        batch[0] = r;
        vm.prank(relayer);
        fleet.submitReadings(batch);
    }

    function submit(SignedReading[] memory batch) internal {
        vm.prank(relayer);
        fleet.submitReadings(batch);
    }

    function one(SignedReading memory r) internal pure returns (SignedReading[] memory batch) {
        batch = new SignedReading[](1);
        batch[0] = r;
    }

    function statusOf(address device) internal view returns (DeviceStatus) {
        return fleet.deviceStatus(device);
    }
}
