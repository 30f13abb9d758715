#include "agent/config/secret_file.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

TEST(SecretFileTest, StripsTrailingNewlines) {
  TempDir dir;
  auto read = readSecretFile(dir.write("s", "s3cret\r\n\n"), "serve.eventSecretFile");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, "s3cret");
  // Only trailing ones: inner newlines and spaces are the secret's.
  read = readSecretFile(dir.write("t", " a\nb \n"), "serve.eventSecretFile");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, " a\nb ");
}

TEST(SecretFileTest, EmptyIsInvalidInputNamingKeyAndPath) {
  TempDir dir;
  const std::string path = dir.write("empty", "\n\r\n");
  auto read = readSecretFile(path, "notify.webhook.secretFile");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(read.error().message, "cannot read notify.webhook.secretFile " + path + ": is empty");
}

TEST(SecretFileTest, UnreadableIsIoNamingKeyAndPath) {
  TempDir dir;
  auto missing = readSecretFile(dir.file("missing"), "serve.eventSecretFile");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
  EXPECT_EQ(missing.error().message, "cannot read serve.eventSecretFile " + dir.file("missing") +
                                         ": No such file or directory");
  auto directory = readSecretFile(dir.path(), "serve.eventSecretFile");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().code, ErrorCode::kIo);
  EXPECT_EQ(directory.error().message,
            "cannot read serve.eventSecretFile " + dir.path() + ": is a directory");
}

TEST(SecretFileTest, ReadableByOthersIsRefusedWithTheChmodToRun) {
  TempDir dir;
  const std::string path = dir.write("client-secret", "s3cret\n");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto read = readSecretFile(path, "clientSecretFile");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(read.error().message, "clientSecretFile " + path +
                                      " is readable by others (mode 0644); run: chmod 600 " + path);
  EXPECT_EQ(read.error().message.find("s3cret"), std::string::npos);
}

TEST(SecretFileTest, AnyGroupOrOtherPermissionIsRefused) {
  TempDir dir;
  const std::string path = dir.write("s", "s3cret\n");
  for (mode_t mode : {0640, 0660, 0604, 0602, 0620, 0610}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto read = readSecretFile(path, "serve.eventSecretFile");
    ASSERT_FALSE(read.ok()) << std::oct << mode;
    EXPECT_NE(read.error().message.find("run: chmod 600 " + path), std::string::npos)
        << read.error().message;
  }
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_NE(readSecretFile(path, "s").error().message.find("readable by its group (mode 0640)"),
            std::string::npos);
}

TEST(SecretFileTest, OwnerOnlyModesAreAccepted) {
  TempDir dir;
  const std::string path = dir.write("s", "s3cret\n");
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto read = readSecretFile(path, "serve.eventSecretFile");
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(*read, "s3cret");
  }
}

TEST(SecretFileTest, ChmodSuggestionQuotesAPathWithSpaces) {
  TempDir dir;
  const std::string path = dir.write("my secret", "s3cret\n");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_NE(readSecretFile(path, "s").error().message.find("run: chmod 600 '" + path + "'"),
            std::string::npos);
}

TEST(SecretFileTest, HugeFileIsRefused) {
  TempDir dir;
  auto read = readSecretFile(dir.write("s", std::string(kMaxSecretFileBytes + 1, 'k')), "s");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("is larger than 65536 bytes"), std::string::npos);
}

}  // namespace
}  // namespace scim_agent
