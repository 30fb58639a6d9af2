// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IdentityBase} from "./IdentityBase.sol";
import {ConsentRegistry} from "../../src/ConsentRegistry.sol";
import {AccessLog} from "../../src/AccessLog.sol";
import {IAccessLog} from "../../src/interfaces/IAccessLog.sol";
import {IConsentRegistry, IConsentRevocationHook} from "../../src/interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "../../src/interfaces/IDeviceOwnership.sol";
import {IPolicyRegistry} from "../../src/interfaces/IPolicyRegistry.sol";
import {IPythiaFleet} from "../../src/interfaces/IPythiaFleet.sol";
import {IRelayerTrust} from "../../src/interfaces/IRelayerTrust.sol";

/// @notice Policy registry double: only policyExists, which is all the consent registry asks.
contract PolicyRegistryDouble {
    mapping(bytes32 policyId => bool) public policyExists;

    function add(bytes32 policyId) external {
        policyExists[policyId] = true;
    }
}

/// @notice A revocation hook that records calls, or reverts, or burns all its gas.
contract RecordingHook is IConsentRevocationHook {
    enum Mode {
        Record,
        Revert,
        Burn
    }

    Mode public mode;
    uint256[] public calls;

    function setMode(Mode m) external {
        mode = m;
    }

    function onConsentRevoked(uint256 consentId) external {
        if (mode == Mode.Revert) revert("hook says no");
        if (mode == Mode.Burn) {
            while (true) {}
        }
        calls.push(consentId);
    }

    function callCount() external view returns (uint256) {
        return calls.length;
    }
}

/// @notice Shared fixture of the consent and access-log tests: the real fleet, ownership and
/// identity contracts (IdentityBase), a policy registry double, the consent registry and the access
/// log with a logger. Four devices, all owned by alice (provisioned by the factory, then sold to her).
abstract contract ConsentBase is IdentityBase {
    ConsentRegistry internal consents;
    AccessLog internal accessLog;
    PolicyRegistryDouble internal policies;

    address internal alice = address(0xA11);
    address internal bob = address(0xB0B);
    address internal carol = address(0xCA401);
    address internal logger = address(0x1066);
    /// @dev The Pythia key the logger relays for (the PythiaRegistry binds it).
    uint256 internal constant LOGGER_PYTHIA_KEY = 0x1066A;

    bytes32 internal constant POLICY = keccak256("research-v1");
    string internal constant PURPOSE = "air-quality research";
    /// @dev pm25 | no2
    uint32 internal constant STREAMS = 0x5;
    /// @dev identify
    uint32 internal constant COMMANDS = 0x8;
    uint8 internal constant IDENTIFY = 3;

    address[4] internal devices;

    function setUp() public virtual override {
        super.setUp();
        policies = new PolicyRegistryDouble();
        policies.add(POLICY);
        consents = new ConsentRegistry(
            admin,
            0,
            IPythiaFleet(address(fleet)),
            IDeviceOwnership(address(ownership)),
            IPolicyRegistry(address(policies))
        );
        accessLog = new AccessLog(admin, 0, IConsentRegistry(address(consents)), IRelayerTrust(address(pythiaRegistry)));
        registerPythia(LOGGER_PYTHIA_KEY, logger);
        bytes32 loggerRole = accessLog.LOGGER_ROLE();
        vm.prank(admin);
        accessLog.grantRole(loggerRole, logger);
        for (uint256 i; i < 4; ++i) {
            devices[i] = provision(keyOf(100 + i));
            transfer(devices[i], alice);
        }
    }

    // ---------------------------------------------------------------- helpers

    function one(address device) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = device;
    }

    function two(address a, address b) internal pure returns (address[] memory list) {
        list = new address[](2);
        list[0] = a;
        list[1] = b;
    }

    /// @dev Terms over `list` for bob: STREAMS and COMMANDS, POLICY, from now for 30 days.
    function termsFor(address[] memory list) internal view returns (IConsentRegistry.ConsentTerms memory t) {
        t.recipient = bob;
        t.devices = list;
        t.streams = STREAMS;
        t.commands = COMMANDS;
        t.policyId = POLICY;
        t.start = 0;
        t.expiry = uint64(block.timestamp + 30 days);
    }

    function grant(address owner, IConsentRegistry.ConsentTerms memory t) internal returns (uint256 id) {
        vm.prank(owner);
        id = consents.grantConsent(t, PURPOSE);
    }

    /// @dev alice grants bob the default terms over device 0.
    function grantDefault() internal returns (uint256) {
        return grant(alice, termsFor(one(devices[0])));
    }

    function delivery(uint256 id, address device, address recipient, uint32 streams)
        internal
        pure
        returns (IAccessLog.Delivery memory d)
    {
        d = IAccessLog.Delivery({
            consentId: id,
            device: device,
            recipient: recipient,
            streams: streams,
            readings: 10,
            dataHash: keccak256(abi.encode(id, device, streams))
        });
    }

    function command(uint256 id, address device, address recipient, uint8 code)
        internal
        pure
        returns (IAccessLog.CommandRecord memory c)
    {
        c = IAccessLog.CommandRecord({
            consentId: id,
            device: device,
            recipient: recipient,
            command: code,
            commandHash: keccak256(abi.encode(id, device, code))
        });
    }

    function refusalOf(uint256 id, address device) internal view returns (IConsentRegistry.Refusal) {
        return consents.checkConsent(id, device, bob, STREAMS, COMMANDS);
    }

    function assertRefusal(IConsentRegistry.Refusal actual, IConsentRegistry.Refusal expected, string memory message)
        internal
        pure
    {
        assertEq(uint256(actual), uint256(expected), message);
    }
}
