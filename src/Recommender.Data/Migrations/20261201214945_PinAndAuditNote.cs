using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Recommender.Data.Migrations
{
    /// <inheritdoc />
    public partial class PinAndAuditNote : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "PinnedVersion",
                table: "store_state",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Note",
                table: "model_versions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.UpdateData(
                table: "store_state",
                keyColumn: "Id",
                keyValue: 1,
                column: "PinnedVersion",
                value: null);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PinnedVersion",
                table: "store_state");

            migrationBuilder.DropColumn(
                name: "Note",
                table: "model_versions");
        }
    }
}
