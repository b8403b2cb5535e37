// Package cloudtrail decodes CloudTrail log objects into event.CloudTrail
// records, streaming: memory grows with the largest record, not with the
// object.
//
// Decode accepts the shapes CloudTrail data arrives in: the {"Records":[…]}
// files CloudTrail writes to S3, bare JSON arrays of records, one record per
// line (JSON Lines), and one-record envelopes such as EventBridge events
// ({"detail-type":"AWS API Call via CloudTrail","detail":{…}}). CloudTrail
// digest files, AWS Config snapshots and other JSON that holds no records
// are recognised and skipped as a whole, with a reason in format.Stats.
//
// The scanner is hand-written: it reads the input in chunks, fills the
// struct directly and keeps free-form members (requestParameters,
// responseElements, …) as their JSON text. Members the struct has no field
// for, and values of a type the struct cannot hold, are kept in
// event.CloudTrail.Extra under their dotted path, so that the original
// record can be rebuilt. A record that is not well-formed JSON is rejected
// with the byte offset and what was expected, and decoding resumes at the
// next record.
package cloudtrail
