// Benchmark records and the MetricSamples message (PROTOCOL.md, 0x27 and AssignJob field 10).

extension BenchmarkSettings {
    func encode(into w: inout ByteWriter) {
        w.writeU32(repeatCount)
        w.writeU32(warmup)
    }

    static func decode(from r: inout ByteReader) throws(ProtocolError) -> BenchmarkSettings {
        let repeatCount = try r.readU32("benchmark.repeatCount")
        guard repeatCount >= 1 else { throw r.malformed("benchmark.repeatCount", "must be at least 1") }
        guard repeatCount <= maxRepeatCount else {
            throw .limitExceeded(message: .assignJob, field: "benchmark.repeatCount", size: Int(repeatCount), limit: Int(maxRepeatCount))
        }
        let warmup = try r.readU32("benchmark.warmup")
        guard warmup <= maxWarmup else {
            throw .limitExceeded(message: .assignJob, field: "benchmark.warmup", size: Int(warmup), limit: Int(maxWarmup))
        }
        return BenchmarkSettings(repeatCount: repeatCount, warmup: warmup)
    }
}

extension MetricSamples {
    func encode(into w: inout ByteWriter) {
        job.encode(into: &w)
        w.writeU32(iteration)
        w.writeArray(metrics) { $1.encode(into: &$0) }
    }

    static func decode(from r: inout ByteReader, limits: ProtocolLimits) throws(ProtocolError) -> MetricSamples {
        let job = try JobRef.decode(from: &r, limits: limits)
        let iteration = try r.readU32("iteration")
        guard iteration >= 1 else { throw r.malformed("iteration", "iterations are numbered from 1") }
        let metrics = try r.readArray("metrics", maxCount: min(maxMetrics, limits.maxListCount),
                                      minElementBytes: MinimumEncodedSize.metricSample) { r throws(ProtocolError) in
            try MetricSample.decode(from: &r)
        }
        guard !metrics.isEmpty else { throw r.malformed("metrics", "an iteration reports at least one metric") }
        return MetricSamples(job: job, iteration: iteration, metrics: metrics)
    }
}

extension MetricSample {
    func encode(into w: inout ByteWriter) {
        w.writeString(name)
        w.writeString(unit)
        w.writeU64(value.bitPattern)
        w.writeBool(lowerIsBetter)
    }

    static func decode(from r: inout ByteReader) throws(ProtocolError) -> MetricSample {
        let name = try r.readString("metrics[].name", maxBytes: maxNameBytes)
        guard !name.isEmpty else { throw r.malformed("metrics[].name", "empty metric name") }
        let unit = try r.readString("metrics[].unit", maxBytes: maxUnitBytes)
        let value = Double(bitPattern: try r.readU64("metrics[].value"))
        guard value.isFinite else { throw r.malformed("metrics[].value", "\(value) is not a finite number") }
        let lowerIsBetter = try r.readBool("metrics[].lowerIsBetter")
        return MetricSample(name: name, unit: unit, value: value, lowerIsBetter: lowerIsBetter)
    }
}

extension MinimumEncodedSize {
    static let metricSample = 4 + 4 + 8 + 1
}
