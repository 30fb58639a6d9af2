// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPolicyRegistry} from "../../src/interfaces/IPolicyRegistry.sol";

/// @notice A settable stand-in for the PolicyRegistry (issue #5): tests set a policy id's terms
/// directly. Unknown ids revert UnknownPolicy as the real registry does.
contract MockPolicyRegistry is IPolicyRegistry {
    mapping(bytes32 => PolicyTerms) private _terms;
    mapping(bytes32 => bool) private _exists;

    function setTerms(bytes32 policyId, PolicyTerms memory terms) external {
        _terms[policyId] = terms;
        _exists[policyId] = true;
    }

    function policyTerms(bytes32 policyId) external view returns (PolicyTerms memory) {
        if (!_exists[policyId]) revert UnknownPolicy(policyId);
        return _terms[policyId];
    }

    function policyExists(bytes32 policyId) external view returns (bool) {
        return _exists[policyId];
    }

    function policy(bytes32 policyId) external view returns (PolicyVersion memory v) {
        if (!_exists[policyId]) revert UnknownPolicy(policyId);
        v.terms = _terms[policyId];
        v.version = 1;
    }

    function publishPolicy(string calldata, bytes32, string calldata, PolicyTerms calldata) external pure returns (bytes32, uint32) {
        revert("mock");
    }

    function latestVersion(address, string calldata) external pure returns (uint32, bytes32) {
        revert("mock");
    }
}
