package dev.vigil.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;

/**
 * RocksDB options of every persistent store (ADR 0150, 0180): LZ4 compression of the files a flush
 * writes, ZSTD of the bottommost level, where compaction puts nearly all of a store's data, and
 * blocks of {@value #BLOCK_SIZE} bytes instead of Kafka Streams' 4 KiB, so that the many similar
 * entries of a block (pod keys, image references, digests) compress together. Kafka Streams leaves
 * RocksDB's data uncompressed; Vigil's values shrink severalfold, which is what keeps a task's
 * state near its pod count (bytes per pod on disk, how long a task takes to move or restore).
 */
public final class VigilRocksDbConfig implements RocksDBConfigSetter {

  /** Bytes per data block. */
  static final long BLOCK_SIZE = 16 * 1024L;

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    options.setCompressionType(CompressionType.LZ4_COMPRESSION);
    options.setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION);
    // The table config Kafka Streams made (its block cache, filter): only the block size changes.
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockSize(BLOCK_SIZE);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {}
}
