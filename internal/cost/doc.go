// Package cost estimates the monthly AWS bill of a stack from its offline
// preview: every registered resource is either priced, from a dated price
// table and stated usage assumptions, or listed as free with the reason.
// A price the table lacks is unknown and stays unknown (never zero).
package cost
